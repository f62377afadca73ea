// `pnpm schemas <check|register|list|show|unknown|codegen>`: the schema-evolution workflow.
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { RegistryClient, RegistryError } from '../registry-client.js';
import { registryOptions } from '../registry-env.js';
import {
  checkCommand,
  codegenCommand,
  listCommand,
  registerCommand,
  showCommand,
  unknownCommand,
  type SchemaCommandContext,
} from '../schema-commands.js';
import { loadSchemas, SCHEMA_DIR } from '../schemas.js';

const usage = `usage: pnpm schemas <command> [options]

commands:
  check              every local schema against the registry at its subject's compatibility
  register           register the local schemas (idempotent); prints subject, version, id
  list               registered subjects with their latest version, id and compatibility
  show <name> [v]    a registered schema, by subject or event type (e.g. MoneyDeposited)
  unknown            subjects of the topic no local schema reads (exit 1 if any)
  codegen            regenerate src/generated/records.ts from the .avsc files

options:
  --registry <url>   default $SCHEMA_REGISTRY_URL or http://127.0.0.1:8081 (basic auth from
                     $SCHEMA_REGISTRY_USERNAME and $SCHEMA_REGISTRY_PASSWORD when set)
  --topic <name>     default $TALLY_EVENTS_TOPIC or bank.account-events.v1
  --schemas <dir>    default the package's schemas/ folder`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    registry: {
      type: 'string',
      default: process.env['SCHEMA_REGISTRY_URL'] ?? 'http://127.0.0.1:8081',
    },
    topic: {
      type: 'string',
      default: process.env['TALLY_EVENTS_TOPIC'] ?? 'bank.account-events.v1',
    },
    schemas: { type: 'string', default: SCHEMA_DIR },
    help: { type: 'boolean', short: 'h' },
  },
});
const [command, ...args] = positionals;
// Piping into `head` closes stdout early; that is not an error of ours.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});
const ctx: SchemaCommandContext = {
  client: new RegistryClient(
    values.registry,
    undefined,
    registryOptions({ ...process.env, SCHEMA_REGISTRY_URL: values.registry }).registryAuth,
  ),
  topic: values.topic,
  schemas: loadSchemas(values.schemas),
  out: (line) => console.log(line),
};

async function main(): Promise<number> {
  switch (command) {
    case 'check':
      return checkCommand(ctx);
    case 'register':
      return registerCommand(ctx);
    case 'list':
      return listCommand(ctx);
    case 'show':
      return showCommand(ctx, args[0], args[1]);
    case 'unknown':
      return unknownCommand(ctx);
    case 'codegen':
      return codegenCommand(
        ctx,
        fileURLToPath(new URL('../generated/records.ts', import.meta.url)),
      );
    default:
      console.log(usage);
      return values.help ? 0 : 2;
  }
}

try {
  process.exitCode = await main();
} catch (error) {
  if (error instanceof RegistryError || (error instanceof Error && 'cause' in error)) {
    console.error(`schemas ${command}: ${error.message} (registry ${values.registry})`);
    process.exitCode = 1;
  } else {
    throw error;
  }
}
