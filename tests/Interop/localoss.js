// Starts LocalOss (in memory, on a free port) as a child process and stops it by its own PID.
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
const project = path.join(root, 'src', 'LocalOss');

function findBuiltDll() {
  for (const configuration of ['Release', 'Debug']) {
    const dll = path.join(project, 'bin', configuration, 'net10.0', 'LocalOss.dll');
    if (fs.existsSync(dll)) return dll;
  }
  return null;
}

// extraArgs: more command-line options (--account, --cname, --bucket …), as a user would start it.
async function startLocalOss(extraArgs = []) {
  const dll = findBuiltDll();
  const args = dll
    ? [dll, '--port', '0', '--in-memory', ...extraArgs]
    : ['run', '--project', project, '--', '--port', '0', '--in-memory', ...extraArgs];
  const child = spawn('dotnet', args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('LocalOss did not start in time:\n' + output)), 120000);
    const onData = (chunk) => {
      output += chunk.toString();
      const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk) => { output += chunk.toString(); });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`LocalOss exited with ${code}:\n${output}`)); });
  });
  child.removeAllListeners('exit');
  return {
    port,
    /** The admin endpoint (faults, counters): a JSON request to /_localoss/{path}. */
    async admin(method, path, body) {
      const response = await fetch(`http://127.0.0.1:${port}/_localoss/${path}`, {
        method,
        headers: body ? { 'content-type': 'application/json' } : {},
        body: body ? JSON.stringify(body) : undefined,
      });
      if (response.status >= 300) throw new Error(`admin ${method} ${path}: ${response.status} ${await response.text()}`);
      return response.status === 204 ? null : response.json();
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      // A request that ended in an unexpected exception (an InternalError answer) is a LocalOss bug, whatever the
      // test expected: fail the suite with what LocalOss logged.
      const unexpected = output.split('\n').filter((line) => /Unexpected failure/.test(line));
      if (unexpected.length > 0) throw new Error(`LocalOss logged unexpected failures:\n${unexpected.join('\n')}`);
    },
  };
}

module.exports = { startLocalOss };
