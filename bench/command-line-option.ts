/** The value of `--name=value` in a bench script's arguments, or undefined when it is not given. */
export function option(args: readonly string[], name: string): string | undefined {
  return args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
}
