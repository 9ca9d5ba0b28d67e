// The console's static files (console/), served by the approval API itself: one origin for the
// page and its API (no CORS, the sign-in token never crosses origins), and the page always
// matches the API it was deployed with. A fixed list of files: no path from a request reaches
// the file system.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** How the page signs people in: the stack's Cognito user pool, or nobody in a drill. */
export type ConsoleAuth =
  | { type: 'local'; operator: string }
  | { type: 'cognito'; domain: string; clientId: string; redirectUri: string };

export interface ConsoleAsset {
  contentType: string;
  body: string;
}

export interface ConsoleAssets {
  get(path: string): ConsoleAsset | undefined;
  /** Headers for every response, the API's included. */
  readonly headers: Record<string, string>;
}

const FILES: Record<string, [file: string, contentType: string]> = {
  '/': ['index.html', 'text/html; charset=utf-8'],
  '/index.html': ['index.html', 'text/html; charset=utf-8'],
  '/app.js': ['app.js', 'text/javascript; charset=utf-8'],
  '/styles.css': ['styles.css', 'text/css; charset=utf-8'],
};

export const loadConsoleAssets = (dir: string, auth: ConsoleAuth): ConsoleAssets => {
  const assets = new Map<string, ConsoleAsset>(
    Object.entries(FILES).map(([path, [file, contentType]]) => [
      path,
      { contentType, body: readFileSync(join(dir, file), 'utf8') },
    ]),
  );
  assets.set('/config.json', {
    contentType: 'application/json; charset=utf-8',
    body: JSON.stringify({ auth }),
  });
  // The page only talks to its own origin and, to exchange the sign-in code, to Cognito.
  const connect = auth.type === 'cognito' ? `'self' ${new URL(auth.domain).origin}` : "'self'";
  return {
    get: (path) => assets.get(path),
    headers: {
      'content-security-policy': `default-src 'self'; connect-src ${connect}; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'`,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
    },
  };
};
