import t from 'tap'
import { BudgetTimeout, ByteBudget } from '../../src/datasets/byte-budget.js'
import { PART_SIZE, partBufferSize } from '../../src/datasets/multipart-upload.js'

t.test('first come, first served: a large waiter is not passed by small ones', async t => {
  const budget = new ByteBudget(10)
  await budget.acquire(8)
  const order: string[] = []
  const large = budget.acquire(6).then(() => order.push('large'))
  const small = budget.acquire(1).then(() => order.push('small'))
  await new Promise(resolve => setImmediate(resolve))
  t.same(order, [], 'the small one waits behind the large one although it would fit')
  t.equal(budget.waiting, 2)
  budget.release(8)
  await Promise.all([large, small])
  t.same(order, ['large', 'small'])
  t.equal(budget.inUse, 7)
})

t.test('a wait that times out holds nothing and lets the next in line through', async t => {
  const budget = new ByteBudget(10)
  await budget.acquire(5)
  const timedOut = budget.acquire(10, { timeoutMs: 20 })
  const next = budget.acquire(5)
  t.ok(await timedOut.then(() => null, (error: unknown) => error) instanceof BudgetTimeout, 'rejected with BudgetTimeout')
  await next
  t.equal(budget.inUse, 10)
  t.equal(budget.waiting, 0)
})

t.test('an aborted wait holds nothing; more than the budget or than held is refused', async t => {
  const budget = new ByteBudget(10)
  await budget.acquire(10)
  const controller = new AbortController()
  const waiting = budget.acquire(1, { signal: controller.signal })
  controller.abort(new Error('client gone'))
  await t.rejects(waiting, /client gone/)
  t.equal(budget.waiting, 0)
  await t.rejects(budget.acquire(11), RangeError)
  budget.release(10)
  t.throws(() => budget.release(1), /released more than was acquired/)
})

t.test('part buffers come in a few sizes (powers of two up to the part size), so freed ones are reused', async t => {
  t.equal(partBufferSize(1), 64 * 1024, 'a tiny file takes the smallest buffer')
  t.equal(partBufferSize(64 * 1024), 64 * 1024)
  t.equal(partBufferSize(64 * 1024 + 1), 128 * 1024)
  t.equal(partBufferSize(4 * 1024 * 1024 + 300), 8 * 1024 * 1024, 'the 4 MiB last part of a 20 MiB upload takes a full part buffer')
  t.equal(partBufferSize(PART_SIZE), PART_SIZE)
  t.equal(partBufferSize(10 * PART_SIZE), PART_SIZE, 'never more than a part')
})
