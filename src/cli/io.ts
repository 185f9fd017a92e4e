// Where the commands print, as kubectl's IOStreams: the process's own stdout and stderr, which a test running a
// command in its own process swaps for streams it reads (test/support/in-process.ts).
export const io: {out: NodeJS.WriteStream; err: NodeJS.WriteStream} = {out: process.stdout, err: process.stderr}
