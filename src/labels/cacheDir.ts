import os from 'node:os';
import path from 'node:path';

/** Default cache directory: $ZSRE_CACHE_DIR, else the platform's user cache folder + "zsre". */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.ZSRE_CACHE_DIR) return path.resolve(env.ZSRE_CACHE_DIR);
  const home = os.homedir();
  if (process.platform === 'win32') return path.join(env.LOCALAPPDATA ?? path.join(home, 'AppData', 'Local'), 'zsre', 'Cache');
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Caches', 'zsre');
  return path.join(env.XDG_CACHE_HOME ?? path.join(home, '.cache'), 'zsre');
}
