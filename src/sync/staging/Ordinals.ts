/**
 * Names numbered in the order they are first seen, from `first` up to `last` at most: a sync's steps, or
 * the types and verbs of its staged rows, kept as small integers in typed arrays and files.
 */
export class Ordinals {
  /** The names, by number − `first`. */
  readonly names: Array<string> = []
  private readonly numbers = new Map<string, number>()
  /** The name numbered last (a step's rows, a type's, mostly come one after another) and its number. */
  private lastName: string | undefined
  private lastNumber = 0

  constructor(
    private readonly first: number,
    private readonly last: number,
    private readonly what: string
  ) {}

  /** The number of `name`, numbering it when it is new. */
  of(name: string): number {
    if (name === this.lastName) return this.lastNumber
    let number = this.numbers.get(name)
    if (number === undefined) {
      number = this.first + this.names.length
      if (number > this.last) throw new Error(`more than ${this.last - this.first + 1} ${this.what} staged in one sync`)
      this.names.push(name)
      this.numbers.set(name, number)
    }
    this.lastName = name
    this.lastNumber = number
    return number
  }

  /** The number of `name`, if it has one. */
  get(name: string): number | undefined {
    return this.numbers.get(name)
  }

  /** The name numbered `number`. */
  name(number: number): string {
    return this.names[number - this.first] as string
  }
}
