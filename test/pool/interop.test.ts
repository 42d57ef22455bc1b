/**
 * Interoperability as a user meets it: the check-in service called with `buf curl` (gRPC over HTTP/2, schema from
 * proto/checkin.proto) and with a generic grpc-js client built from the proto file at run time by
 * @grpc/proto-loader — neither uses avskit's generated code.
 */
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import * as grpc from '@grpc/grpc-js'
import * as protoLoader from '@grpc/proto-loader'
import { afterEach, describe, expect, test } from 'vitest'
import { useDatabase } from '../database.js'
import { bearer, startTestPool, type TestOperator, type TestPool, usePoolNetwork } from './harness.js'

const root = fileURLToPath(new URL('../..', import.meta.url))
const protoFile = fileURLToPath(new URL('../../proto/checkin.proto', import.meta.url))

type BufResult = { code: number; stdout: string; stderr: string }

function bufCurl(args: string[]): Promise<BufResult> {
  return new Promise((resolve) => {
    execFile(
      `${root}node_modules/.bin/buf`,
      ['curl', ...args],
      { cwd: root, timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    )
  })
}

type GenericPing = (
  request: Record<string, unknown>,
  metadata: grpc.Metadata,
  callback: (error: grpc.ServiceError | null, response?: { updated_at?: { seconds: string; nanos: number } }) => void,
) => void

describe('check-in interop', () => {
  const network = usePoolNetwork(2)
  const ctx = useDatabase()
  let pool: TestPool | undefined
  afterEach(async () => {
    await pool?.stop()
    pool = undefined
  })

  const listed = async () =>
    ((await (await fetch(`${pool?.httpUrl}/operator`)).json()) as { data: { address: string; version: string }[] }).data

  test('buf curl calls Node/Ping and Aggregator/Ping over HTTP/2 with the proto file as schema', async () => {
    pool = await startTestPool({ network, database: ctx.database })
    const [op0, op1] = network.operators as [TestOperator, TestOperator]
    const call = (service: string, operator: TestOperator, authorization?: string, version = 'buf-curl') =>
      bufCurl([
        '--protocol',
        'grpc',
        '--http2-prior-knowledge',
        '--schema',
        protoFile,
        ...(authorization ? ['-H', `authorization: ${authorization}`] : []),
        '-d',
        JSON.stringify({ address: operator.address, version, blockNumber: '12', eventCount: '3', metricsPort: 9100 }),
        `http://${pool?.grpcAddress}/aggregator.${service}/Ping`,
      ])

    const accepted = await call('Node', op0, bearer(op0))
    expect(accepted.stderr).toBe('')
    expect(accepted.code).toBe(0)
    expect(JSON.parse(accepted.stdout)).toEqual({ updatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/) })

    const legacy = await call('Aggregator', op1, bearer(op1), 'buf-curl-legacy')
    expect(legacy.code).toBe(0)

    const unsigned = await call('Node', op0)
    expect(unsigned.code).not.toBe(0)
    expect(JSON.parse(unsigned.stderr)).toEqual({
      code: 'unauthenticated',
      message: 'missing authorization metadata: expected the "Bearer" scheme with an <epoch>.<signature> token',
    })

    const rows = await listed()
    expect(rows.map((row) => [row.address, row.version])).toEqual(
      [
        [op0.address, 'buf-curl'],
        [op1.address, 'buf-curl-legacy'],
      ].sort(),
    )
  })

  test('a generic grpc-js client loaded from the proto file at run time checks in and gets the refusal codes', async () => {
    pool = await startTestPool({ network, database: ctx.database })
    const definition = protoLoader.loadSync(protoFile, { keepCase: true, longs: String, defaults: true })
    const loaded = grpc.loadPackageDefinition(definition) as unknown as {
      aggregator: Record<'Node' | 'Aggregator', grpc.ServiceClientConstructor>
    }
    const [op0, op1] = network.operators as [TestOperator, TestOperator]
    const ping = (service: 'Node' | 'Aggregator', request: Record<string, unknown>, authorization?: string) => {
      const client = new loaded.aggregator[service](pool?.grpcAddress as string, grpc.credentials.createInsecure())
      const metadata = new grpc.Metadata()
      if (authorization) metadata.set('authorization', authorization)
      return new Promise<{ updated_at?: { seconds: string; nanos: number } }>((resolve, reject) =>
        (client.Ping as GenericPing)(request, metadata, (error, response) => {
          client.close()
          if (error) reject(error)
          else resolve(response ?? {})
        }),
      )
    }

    const request = {
      id: op0.address,
      address: op0.address,
      version: 'proto-loader',
      metricsPort: 9100,
      remoteIP: '198.51.100.4',
      block_number: '77',
      event_count: '5',
      supported_chain_ids: ['31337'],
      status: { uptime: '60', queueDepth: '0', last_heartbeat: { seconds: String(Math.floor(Date.now() / 1000)) } },
    }
    const response = await ping('Node', request, bearer(op0))
    expect(Number(response.updated_at?.seconds)).toBeCloseTo(Date.now() / 1000, -1)
    await ping('Aggregator', { ...request, address: op1.address, id: op1.address }, bearer(op1))

    await expect(ping('Node', request, bearer(op0, Math.floor(Date.now() / 1000) - 120))).rejects.toMatchObject({
      code: grpc.status.UNAUTHENTICATED,
    })
    await expect(ping('Node', { ...request, version: 'v'.repeat(100) }, bearer(op0))).rejects.toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      details: 'invalid check-in: version is 100 bytes long; at most 64 are accepted',
    })
    const rows = (await (await fetch(`${pool.httpUrl}/operator`)).json()) as {
      data: Record<string, unknown>[]
    }
    expect(rows.data.find((row) => row.address === op0.address)).toMatchObject({
      version: 'proto-loader',
      remoteIp: '198.51.100.4',
      blockNumber: 77,
      eventCount: 5,
      supportedChainIds: [31337],
      metricsPort: 9100,
    })
    expect(rows.data).toHaveLength(2)
  })
})
