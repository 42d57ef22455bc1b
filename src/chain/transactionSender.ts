/**
 * Sends contract transactions from one account, one at a time and in nonce order: anvil (and some providers)
 * strand transactions sent concurrently from one account, and a local nonce avoids a round trip per send.
 * Each send simulates first (so a revert surfaces as a typed `ContractRevertedError` with the custom error's
 * name, before any gas is spent), estimates gas with a margin, prices it with EIP-1559 fees, and waits for
 * the receipt with a timeout.
 */
import {
  type Abi,
  type Account,
  type ContractFunctionName,
  type ContractFunctionParameters,
  encodeFunctionData,
  type Hash,
  type TransactionReceipt,
} from 'viem'
import type { Logger } from '../core/logger.js'
import type { Metrics } from '../core/metrics.js'
import { type ChainClient, createSignerClient } from './clients.js'
import { NonceTooLowError, TransactionRevertedError, toChainError } from './errors.js'

export type SendTransactionRequest<
  abi extends Abi = Abi,
  functionName extends ContractFunctionName<abi, 'nonpayable' | 'payable'> = ContractFunctionName<
    abi,
    'nonpayable' | 'payable'
  >,
> = ContractFunctionParameters<abi, 'nonpayable' | 'payable', functionName> & {
  value?: bigint
  /** Fixed gas limit; skips estimation. */
  gas?: bigint
}

export type TransactionSender = {
  readonly account: Account
  send<const abi extends Abi, functionName extends ContractFunctionName<abi, 'nonpayable' | 'payable'>>(
    request: SendTransactionRequest<abi, functionName>,
  ): Promise<TransactionReceipt>
}

export type CreateTransactionSenderParameters = {
  client: ChainClient
  account: Account
  logger?: Logger | undefined
  metrics?: Metrics | undefined
  /** Percent added to the gas estimate (default 20). */
  gasMarginPercent?: number | undefined
  /** Milliseconds to wait for a receipt (default 120 s). */
  receiptTimeout?: number | undefined
}

/**
 * @example
 * const sender = createTransactionSender({ client, account: privateKeyToAccount(key) })
 * const receipt = await sender.send({ address, abi: registryCoordinatorAbi, functionName: 'updateOperators', args: [[a, b]] })
 */
export function createTransactionSender(parameters: CreateTransactionSenderParameters): TransactionSender {
  const { client, account, logger, metrics } = parameters
  const wallet = createSignerClient(client, account)
  const margin = BigInt(parameters.gasMarginPercent ?? 20)
  let nonce: number | undefined
  let queue: Promise<unknown> = Promise.resolve()

  async function sendNow(request: SendTransactionRequest): Promise<TransactionReceipt> {
    const { address, abi, functionName, args, value } = request as SendTransactionRequest & {
      args?: readonly unknown[]
    }
    // Simulate and estimate against the pending block: the transaction will run in the next block, not in
    // `latest` (checkSignatures, for one, needs its reference block to be in the past).
    const call = { account, address, abi, functionName, args, value, blockTag: 'pending' } as const
    const started = performance.now()
    let status: 'success' | 'reverted' | 'failed' = 'failed'
    try {
      // Simulating names the revert before anything is spent.
      await client.simulateContract(call as never)
      const gas = request.gas ?? ((await client.estimateContractGas(call as never)) * (100n + margin)) / 100n
      const fees = await client.estimateFeesPerGas()
      const data = encodeFunctionData({ abi, functionName, args } as never)
      const hash = await sendWithNonce(async (n) =>
        wallet.sendTransaction({
          to: address,
          data,
          value,
          gas,
          nonce: n,
          maxFeePerGas: fees.maxFeePerGas,
          maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
        } as never),
      )
      logger?.debug({ functionName, hash, gas }, 'transaction sent')
      const receipt = await client.waitForTransactionReceipt({ hash, timeout: parameters.receiptTimeout ?? 120_000 })
      metrics?.chain.transactionConfirmationSeconds.observe(
        { function: functionName },
        (performance.now() - started) / 1000,
      )
      metrics?.chain.transactionGasUsed.observe({ function: functionName }, Number(receipt.gasUsed))
      if (receipt.status === 'reverted') {
        status = 'reverted'
        throw new TransactionRevertedError(functionName, hash, receipt.gasUsed)
      }
      status = 'success'
      return receipt
    } catch (error) {
      throw toChainError(error, { functionName })
    } finally {
      metrics?.chain.transactionsTotal.inc({ function: functionName, status })
    }
  }

  async function sendWithNonce(send: (nonce: number) => Promise<Hash>): Promise<Hash> {
    for (let attempt = 0; ; attempt++) {
      nonce ??= await client.getTransactionCount({ address: account.address, blockTag: 'pending' })
      try {
        const hash = await send(nonce)
        nonce++
        return hash
      } catch (error) {
        // Another process used this account, or a transaction was dropped: resynchronise once.
        nonce = undefined
        const typed = toChainError(error)
        if (!(typed instanceof NonceTooLowError) || attempt > 0) throw error
      }
    }
  }

  return {
    account,
    send(request) {
      const result = queue.then(() => sendNow(request as SendTransactionRequest))
      queue = result.catch(() => undefined)
      return result
    },
  }
}
