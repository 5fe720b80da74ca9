/**
 * The option loop Outpost's command-line tools share (`npm run serve`, `npm run restore`,
 * `npm run store-key`): `--name value` options, each handed to its own setter, an optional
 * `--name=value` form, positional arguments, and the same words for a missing value or a typo.
 */
export interface CliOptionsSpec {
  /** The tool's usage line, said after "… needs a value." and "Unknown option …." */
  usage: string;
  /** A setter per option name (`--data-dir`, or a short alias such as `-p`), given the option's value. */
  options: Record<string, (value: string) => void>;
  /** The options also written `--name=value` (the value may then be empty). */
  inline?: readonly string[];
  /**
   * Each argument that does not start with `--` (a file to restore). Absent: every argument is an
   * option, and one the tool does not know is refused.
   */
  positional?: (arg: string) => void;
  /** What a user reads when an option ends the line without its value; by default "X needs a value. USAGE". */
  missingValue?: (option: string) => string;
}

/** Reads `argv` in order, calling the setters; throws with the user-facing message at the first mistake. */
export function parseCliOptions(argv: readonly string[], spec: CliOptionsSpec): void {
  const { usage, options, inline = [], positional } = spec;
  const missingValue = spec.missingValue ?? ((option: string) => `${option} needs a value. ${usage}`);
  // Own names only, so an argument such as `constructor` or `__proto__` is never taken for an option.
  const setter = (name: string) => (Object.hasOwn(options, name) ? options[name] : undefined);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const set = setter(a);
    if (set) {
      const value = argv[++i];
      if (value === undefined) throw new Error(missingValue(a));
      set(value);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(0, eq) : null;
    const inlineSet = name !== null && inline.includes(name) ? setter(name) : undefined;
    if (inlineSet) inlineSet(a.slice(eq + 1));
    else if (positional && !a.startsWith('--')) positional(a);
    else throw new Error(`Unknown option ${a}. ${usage}`);
  }
}
