// Reads a join URL the way a browser and jitsi-meet do, and prints what the
// meeting page would see, as JSON: {"host", "pathname", "jwt", "hash": {...}}.
//
// The URL goes through the WHATWG URL parser (the browser's); the hash is then
// read with jitsi-meet's parseURLParams rules: split on '&', split each part
// on '=' and keep the second piece, decodeURIComponent, replace the first
// "\&" by "&" and curly quotes by straight ones, then JSON.parse. A value
// that fails to parse is dropped, as jitsi-meet drops it.
//
// Usage: node parse_join_url.js URL
'use strict';

const url = new URL(process.argv[2]);
const hash = {};
const parts = url.hash.substring(1).split('&');

for (const part of parts) {
    const param = part.split('=');
    const key = param[0];

    if (!key) {
        continue;
    }
    try {
        const decoded = decodeURIComponent(param[1])
            .replace(/\\&/, '&')
            .replace(/[\u2018\u2019]/g, '\'')
            .replace(/[\u201C\u201D]/g, '"');

        hash[key] = decoded === 'undefined' ? undefined : JSON.parse(decoded);
    } catch (e) {
        hash[key] = { unparsable: String(param[1]) };
    }
}

process.stdout.write(JSON.stringify({
    host: url.host,
    pathname: decodeURIComponent(url.pathname),
    jwt: url.searchParams.get('jwt'),
    hash
}));
