#!/usr/bin/env bash
# Builds the Lambda functions' code into a folder (default infra/bundle): dist/, patterns/ and the
# production node_modules. re2 is a native addon: build on the functions' platform (Linux x86_64)
# with the Node.js major version of their runtime (24 by default), e.g. in Lambda's build image:
#   docker run --rm -v "$PWD":/src -w /src public.ecr.aws/sam/build-nodejs24.x bash infra/bundle.sh
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-infra/bundle}"
[ -d dist ] || npm run build
rm -rf "$out"
mkdir -p "$out"
cp -r dist patterns package.json package-lock.json "$out/"
rm -rf "$out/dist/cli"
# --ignore-scripts: the package's own prepare step builds dist/, already copied; re2 is then built
# for this Node.js.
(cd "$out" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm rebuild re2 --no-audit --no-fund)
# The spec cache names every compiled module: without dist/cli it is written again, else a cold
# start would parse every pack and build the literal automaton.
(cd "$out" && node dist/config/spec-cache-build.js)
# The handlers read their environment when loaded; here the engine they run compiles the bundled packs with re2.
(cd "$out" && node --input-type=module -e "
const { builtinPatternsDir } = await import('./dist/config/config.js');
const { loadPolicy } = await import('./dist/detect/load.js');
const { CompiledPolicy } = await import('./dist/detect/compile.js');
const p = new CompiledPolicy(loadPolicy([builtinPatternsDir()]));
if (p.detectors.length === 0) process.exit(1);
")
echo "bundle: $out ($(du -sh "$out" | cut -f1)), for Node.js $(node -p process.versions.node) on $(node -p process.platform)-$(node -p process.arch)"
