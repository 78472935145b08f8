/**
 * How many chat requests a runner answered (status 200) with an adapter (`''`: the base model),
 * from its own `/metrics`: the record of which adapter generated what. Plain `fetch`, so workerd
 * tests can use it too.
 */
export async function chatRequestsServed(
  url: string,
  token: string,
  adapter: string,
  model = 'tiny',
): Promise<number> {
  const text = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text()
  const re = new RegExp(
    `policybot_runner_requests_total\\{route="/v1/chat/completions",model="${model}",adapter="${adapter}",status="200"\\} (\\d+)`,
  )
  return Number(re.exec(text)?.[1] ?? 0)
}
