import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { prismaConfig } from '@credit-graph/contract/prisma-config';

export default prismaConfig(path.dirname(fileURLToPath(import.meta.url)));
