// A one-line spinner with elapsed time on stderr, only on a terminal (CI logs stay clean).
import {io} from './io.js'

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏']

export class Spinner {
  private timer: NodeJS.Timeout | undefined
  private text = ''
  private readonly started = Date.now()
  private frame = 0

  constructor(private readonly stream: NodeJS.WriteStream = io.err) {}

  update(text: string): void {
    this.text = text
    if (!this.stream.isTTY || this.timer) return
    this.timer = setInterval(() => this.draw(), 80)
    this.timer.unref()
  }

  stop(): void {
    if (!this.timer) return
    clearInterval(this.timer)
    this.timer = undefined
    this.stream.write('\r\x1b[K')
  }

  /** Erases the spinner's line (until its next frame), so that other output starts on a clean line. */
  clear(): void {
    if (this.timer) this.stream.write('\r\x1b[K')
  }

  private draw(): void {
    const seconds = ((Date.now() - this.started) / 1000).toFixed(1)
    this.frame = (this.frame + 1) % FRAMES.length
    this.stream.write(`\r\x1b[K${FRAMES[this.frame]} ${this.text} (${seconds}s)`)
  }
}
