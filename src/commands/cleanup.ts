import {io} from '../cli/io.js'
import {Flags} from '@oclif/core'
import {BaseCommand, connectionFlags, connectionOptions} from '../cli/base-command.js'

export default class Cleanup extends BaseCommand {
  static override summary = 'Delete resolver pods that svc-inspect left behind (found by label).'
  static override description = `Resolver pods are deleted at the end of every run, on errors and on Ctrl-C. A CLI killed with SIGKILL cannot clean up: its pod stops by itself (activeDeadlineSeconds) and this command deletes it. Selects pods labelled app.kubernetes.io/name=svc-inspect-resolver,app.kubernetes.io/managed-by=svc-inspect.`

  static override examples = ['kubectl svc-inspect cleanup -n shop', 'kubectl svc-inspect cleanup -A']

  static override flags = {
    ...connectionFlags,
    'all-namespaces': Flags.boolean({char: 'A', description: 'Clean up in every namespace.', default: false}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Cleanup)
    const [{KubeGateway}, {deleteLeftoverResolvers}] = await Promise.all([
      import('../kube/gateway.js'),
      import('../kube/resolver-pod.js'),
    ])
    const gateway = await KubeGateway.connect(connectionOptions(flags))
    const deleted = await deleteLeftoverResolvers(
      gateway,
      flags['all-namespaces'] ? undefined : gateway.defaultNamespace,
    )
    if (deleted.length === 0) io.out.write('no resolver pods found\n')
    for (const pod of deleted) io.out.write(`pod/${pod} deleted\n`)
  }
}
