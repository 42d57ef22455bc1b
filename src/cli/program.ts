/** The `avskit` command tree. Each command lives in its own file and registers itself here. */
import { Command, CommanderError } from 'commander'
import { reportError } from './command.js'

export type CommandRegistration = (program: Command) => void

export function createProgram(registrations: readonly CommandRegistration[]): Command {
  const program = new Command('avskit')
    .description('The off-chain half of an EigenLayer-style AVS')
    .version(packageVersion(), '-V, --version')
    // A command's options end where its subcommand's name begins (`avskit devnet stake --data-dir …` belongs to
    // `stake`), for commands that enable it (see devnet.ts).
    .enablePositionalOptions()
  for (const register of registrations) register(program)
  // One line per error, with the pointer to --help on the same line.
  const output = {
    outputError: (text: string, write: (s: string) => void) => write(`${text.trimEnd()} (see --help)\n`),
  }
  for (const command of [program, ...allCommands(program)]) command.exitOverride().configureOutput(output)
  return program
}

/** Parses argv and runs the command; resolves to the process exit code. */
export async function runProgram(program: Command, argv: readonly string[]): Promise<number> {
  try {
    await program.parseAsync([...argv], { from: 'node' })
    return typeof process.exitCode === 'number' ? process.exitCode : 0
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander has already printed its message.
      if (['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(error.code)) return 0
      return 2
    }
    return reportError(error)
  }
}

function allCommands(command: Command): Command[] {
  return command.commands.flatMap((c) => [c, ...allCommands(c)])
}

function packageVersion(): string {
  return process.env.npm_package_version ?? '0.1.0'
}
