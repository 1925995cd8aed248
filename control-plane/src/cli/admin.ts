// Entry point of `npm run admin -- <command>`; see run-admin-cli.ts.
import { createInterface } from 'node:readline';
import { runAdminCli } from './run-admin-cli.ts';

/** Lines of a piped stdin, read one per question. */
let pipedLines: AsyncIterableIterator<string> | null = null;

/** On a terminal: the answer typed without echo. Otherwise the next line of stdin. */
async function readSecret(prompt: string): Promise<string> {
  if (!process.stdin.isTTY) {
    pipedLines ??= createInterface({ input: process.stdin, terminal: false })[Symbol.asyncIterator]();
    const next = await pipedLines.next();
    return next.done ? '' : next.value;
  }
  process.stderr.write(prompt);
  process.stdin.setRawMode(true);
  process.stdin.resume();
  process.stdin.setEncoding('utf8');
  let answer = '';
  try {
    for await (const chunk of process.stdin as AsyncIterable<string>) {
      for (const character of chunk) {
        if (character === '\u0003') process.exit(130);
        if (character === '\r' || character === '\n') return answer;
        answer = character === '\u007f' || character === '\b' ? answer.slice(0, -1) : answer + character;
      }
    }
    return answer;
  } finally {
    process.stdin.setRawMode(false);
    process.stdin.pause();
    process.stderr.write('\n');
  }
}

process.exitCode = await runAdminCli(process.argv.slice(2), {
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readSecret,
});
