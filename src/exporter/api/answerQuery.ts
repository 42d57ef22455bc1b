/**
 * `/query` answers: the request echoed with `"data": [...]` (the SSV exporter's response shape), and the error
 * envelope it uses for every refusal, `{"type": "error", "filter": {"from": 0, "to": 0}, "data": [lines…]}`.
 */
import {
  decidedMessage,
  decidedRole,
  type ExporterRepository,
  operatorMessage,
  validatorMessage,
} from '../../store/index.js'
import type { QueryRequest } from './parseClientMessage.js'

/** The SSV exporter's error message. */
export function errorMessage(lines: readonly string[]): string {
  return JSON.stringify({ type: 'error', filter: { from: 0, to: 0 }, data: lines })
}

/** Operator and validator indexes are `integer` columns: a range beyond them holds nothing. */
const maxIndex = 2 ** 31 - 1

/** Reads what `query` asks for and returns the answer's JSON text (`data` is `[]` when nothing matches). */
export async function answerQuery(repository: ExporterRepository, query: QueryRequest): Promise<string> {
  const { type, from, publicKey } = query
  let data: unknown[] = []
  if (type === 'decided') {
    if (query.role === undefined || query.role.toUpperCase() === decidedRole) {
      const rows = await repository.listDecided({ taskManager: publicKey as string, from, to: query.to })
      data = rows.map(decidedMessage)
    }
  } else if (from <= maxIndex) {
    const range = { from, to: Math.min(query.to, maxIndex), publicKey }
    data =
      type === 'operator'
        ? (await repository.listOperators(range)).map(operatorMessage)
        : (await repository.listValidators(range)).map(validatorMessage)
  }
  return JSON.stringify({ ...query.request, data })
}
