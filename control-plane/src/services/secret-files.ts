// Secrets the control plane hands to local operators and sibling processes live in the data folder,
// readable by the owner only.
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export async function writePrivateFile(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content, { mode: 0o600 });
  // `mode` applies only when the file is created; an existing file keeps its old mode without this.
  await chmod(path, 0o600);
}

export async function writePublicFile(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content, { mode: 0o644 });
  await chmod(path, 0o644);
}

/** The trimmed file content, or null when the file does not exist. */
export async function readOptionalFile(path: string): Promise<string | null> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}
