// Entry point of `npm run admin -- <command>`; see run-admin-cli.ts.
import { runAdminCli } from './run-admin-cli.ts';

process.exitCode = await runAdminCli(process.argv.slice(2), {
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
