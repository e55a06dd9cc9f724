// The npm registry reachable from our machines serves only the linux-glibc builds of some
// platform-specific optional packages (Biome's CLI, msgpackr-extract). `npm install` then
// writes a lock file without the other platforms' entries and `npm ci` refuses it as out of
// sync. This fills those entries in as optional, platform-restricted stubs, which `npm ci`
// skips on any machine they do not fit. Run after changing dependencies: `npm run lock:fix`.
import { readFileSync, writeFileSync } from "node:fs";

const path = new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(path, "utf8"));
const platform = (name) => {
  const os = ["darwin", "linux", "win32", "android", "freebsd"].find((o) => name.includes(o));
  const cpu = ["arm64", "x64", "arm", "ia32"].find((c) => name.includes(`-${c}`));
  const entry = { optional: true };
  if (os) entry.os = [os];
  if (cpu) entry.cpu = [cpu];
  if (name.includes("musl")) entry.libc = ["musl"];
  return entry;
};
let added = 0;
for (const [key, pkg] of Object.entries(lock.packages)) {
  for (const [dep, version] of Object.entries(pkg.optionalDependencies ?? {})) {
    const base = key === "" ? "" : `${key}/`;
    if (lock.packages[`${base}node_modules/${dep}`] || lock.packages[`node_modules/${dep}`]) continue;
    lock.packages[`node_modules/${dep}`] = { version: version.replace(/^[\^~]/, ""), ...platform(dep) };
    added++;
  }
}
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`lock-platforms: added ${added} platform stub(s)`);
