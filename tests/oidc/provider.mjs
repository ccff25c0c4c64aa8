// A real OpenID Connect provider (the npm package oidc-provider) for the single sign-on
// browser test: one client, one person, and sign-in and consent pages the test fills in.
//
//   node provider.mjs PORT REDIRECT_URI
//
// Prints "ready ISSUER" on standard output once it listens. Test-only: its signing key is
// made at start and its client secret is fixed.
import { createServer } from 'node:http';
import { generateKeyPair, exportJWK } from 'jose';
import Provider from 'oidc-provider';

const [port, redirectUri] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;

const PERSON = {
  accountId: 'u-4821',
  username: 'amelie.roy',
  password: 'ssotest-password-1',
  email: 'amelie.roy@example.ca',
  name: 'Amélie Roy',
  roles: ['manager'],
};

const { privateKey } = await generateKeyPair('RS256', { extractable: true });
const signing = { ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: 'test-1' };

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'feedback-staff',
      client_secret: 'feedback-test-secret',
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  jwks: { keys: [signing] },
  pkce: { required: () => true }, // every client must send an S256 code challenge
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'preferred_username', 'feedback_roles'],
  },
  // Claims asked for by scope go in the ID token too, as most providers do.
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  cookies: { keys: ['feedback-test-cookie-key'] },
  async findAccount(ctx, id) {
    if (id !== PERSON.accountId) return undefined;
    return {
      accountId: id,
      async claims() {
        return {
          sub: id,
          email: PERSON.email,
          email_verified: true,
          name: PERSON.name,
          preferred_username: PERSON.username,
          feedback_roles: PERSON.roles,
        };
      },
    };
  },
});

const page = (title, body) => `<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>${title}</title></head><body><main><h1>${title}</h1>${body}</main></body></html>`;

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString());
}

async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  const { uid, prompt, params, session } = details;
  const send = (html) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(html);
  };
  if (req.method === 'GET' && prompt.name === 'login') {
    return send(page('Test identity provider: sign in', `
<form method="post" action="/interaction/${uid}/login">
<p><label for="login">Username</label> <input id="login" name="login" autocomplete="off"></p>
<p><label for="password">Password</label> <input id="password" name="password" type="password"></p>
<button type="submit">Sign in</button></form>`));
  }
  if (req.method === 'GET') {
    return send(page('Test identity provider: allow access', `
<p>Service feedback wants your name, email and roles.</p>
<form method="post" action="/interaction/${uid}/confirm"><button type="submit">Allow</button></form>
<form method="post" action="/interaction/${uid}/abort"><button type="submit">Deny</button></form>`));
  }
  const form = await readForm(req);
  if (req.url.endsWith('/login')) {
    const ok = form.get('login') === PERSON.username && form.get('password') === PERSON.password;
    if (!ok) {
      return send(page('Test identity provider: wrong password', `<p><a href="/interaction/${uid}">Try again</a></p>`));
    }
    return provider.interactionFinished(req, res, { login: { accountId: PERSON.accountId } }, { mergeWithLastSubmission: false });
  }
  if (req.url.endsWith('/abort')) {
    return provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'The person said no.' }, { mergeWithLastSubmission: false });
  }
  const grant = new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  grant.addOIDCScope(String(params.scope));
  const grantId = await grant.save();
  return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

const handle = provider.callback();
createServer((req, res) => {
  if (req.url.startsWith('/interaction/')) {
    interaction(req, res).catch((error) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(error));
    });
    return;
  }
  handle(req, res);
}).listen(Number(port), '127.0.0.1', () => {
  console.log(`ready ${issuer}`);
});
