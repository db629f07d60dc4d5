// npm puts node_modules/.bin first on PATH, so scripts run on the pinned Node 24 from the
// root devDependency `node` even where the system Node is older. Fail loudly if that did not
// happen rather than letting @kubernetes/client-node crash at import time on an old runtime.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 19)) {
  console.error(
    `roundhouse: Node ${process.version} is too old (need >= 22.19). Run through npm ` +
      '(npm test, npm run ...) so the pinned Node 24 from node_modules/.bin is used.',
  );
  process.exit(1);
}
console.log(`roundhouse: running on Node ${process.version}`);
