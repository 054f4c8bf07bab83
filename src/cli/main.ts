// The `i3` command line: a table of subcommands, each in its own file under src/cli/.
// Subcommands parse their own arguments and print; nothing below cli/ writes to the terminal.

/** One `i3` subcommand: a one-line summary for `i3 --help`, and what it runs. */
export interface Command {
  summary: string;
  run(args: string[]): Promise<void> | void;
}

const commands: Record<string, () => Promise<Command>> = {
  ops: async () => (await import('./ops.ts')).opsCommand,
  tokenizer: async () => (await import('./tokenizer.ts')).tokenizerCommand,
  generate: async () => (await import('./generate.ts')).generateCommand,
  chat: async () => (await import('./chat.ts')).chatCommand,
  convert: async () => (await import('./convert.ts')).convertCommand,
  train: async () => (await import('./train.ts')).trainCommand,
  data: async () => (await import('./data.ts')).dataCommand,
};

async function usage(): Promise<string> {
  const width = Math.max(...Object.keys(commands).map((n) => n.length));
  const lines = await Promise.all(Object.entries(commands).map(async ([name, load]) => `  i3 ${name.padEnd(width)}  ${(await load()).summary}`));
  return `usage: i3 <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nRun 'i3 <command> --help' for a command's options.`;
}

const [name, ...rest] = process.argv.slice(2);
if (!name || name === '--help' || name === '-h') {
  console.log(await usage());
} else if (!(name in commands)) {
  console.error(`i3: unknown command '${name}'.\n\n${await usage()}`);
  process.exitCode = 2;
} else {
  try {
    await (await commands[name]()).run(rest);
  } catch (err) {
    console.error(`i3 ${name}: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  }
}
