// `npm run openapi -w services/bff-rest`: writes the OpenAPI document that the code generates to
// openapi/openapi.json, the copy checked into the repository (a test fails while they differ).
import { writeFile } from 'node:fs/promises';
import { generateOpenApiDocument, openApiFile } from './openapi-document.ts';

await writeFile(openApiFile, `${JSON.stringify(await generateOpenApiDocument(), null, 2)}\n`);
