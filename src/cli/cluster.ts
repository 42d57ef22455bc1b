/** `avskit cluster status`: a task-consensus member's view of its cluster (members, leader, term, log positions). */
import type { Command } from 'commander'
import { z } from 'zod'
import { type ClusterStatus, fetchClusterStatus } from '../consensus/index.js'
import { defineOptions } from '../core/config.js'
import { addCommand } from './command.js'
import { urlSchema } from './commonOptions.js'
import { formatTable, printJson } from './output.js'

const statusOptions = defineOptions({
  url: {
    flag: 'url',
    argument: '<url>',
    description: "HTTP URL of a cluster member (its operator's --http-addr)",
    schema: urlSchema,
    required: true,
  },
  json: { flag: 'json', description: 'print JSON even in a terminal', schema: z.boolean(), default: false },
})

export function registerClusterCommands(program: Command): void {
  const cluster = program.command('cluster').description('the operators’ task-consensus (Raft) cluster')
  addCommand(cluster, {
    name: 'status',
    description: 'members, leader, term, commit and applied index, tasks in flight, as one member sees them',
    options: statusOptions,
    async run({ options }) {
      const status = await fetchClusterStatus(options.url)
      if (options.json || !process.stdout.isTTY) printJson(status)
      else process.stdout.write(`${formatClusterStatus(status)}\n`)
      return 0
    },
  })
}

export function formatClusterStatus(status: ClusterStatus): string {
  const lines = [
    `member   ${status.id} (${status.role})`,
    `leader   ${status.leaderId ?? 'none known'}${status.leaderUrl ? ` ${status.leaderUrl}` : ''}`,
    `term     ${status.term}`,
    `commit   ${status.commit}`,
    `applied  ${status.applied}`,
    `log      ${status.firstIndex}..${status.lastIndex}`,
    '',
    formatTable(
      ['member', 'suffrage', 'raft', 'http', 'match'],
      status.members.map((m) => [
        `${m.id}${m.id === status.leaderId ? ' *' : ''}`,
        m.suffrage,
        m.raftAddress ?? '-',
        m.httpUrl ?? '-',
        m.match === undefined ? '' : String(m.match),
      ]),
    ),
    '',
    `tasks    ${status.tasks.pending} pending, ${status.tasks.certified} certified, ${status.tasks.submitted} submitted, ${status.tasks.expired} expired (last ${status.tasks.lastTaskIndex ?? '-'})`,
    ...status.tasks.inFlight.map((t) => `  task ${t.taskIndex}: ${t.signers} signatures`),
  ]
  return lines.join('\n')
}
