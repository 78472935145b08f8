import { describe, expect, it } from 'vitest'
import { mergeFamilies } from './metrics-route'

/** Two llama-server generations' texts (as llama-server writes them), merged for one scrape. */
const text = (predicted: number, busy: number) =>
  [
    '# HELP llamacpp:tokens_predicted_total Number of generation tokens processed.',
    '# TYPE llamacpp:tokens_predicted_total counter',
    `llamacpp:tokens_predicted_total ${predicted}`,
    '# HELP llamacpp:requests_processing Number of requests processing.',
    '# TYPE llamacpp:requests_processing gauge',
    `llamacpp:requests_processing ${busy}`,
    '',
  ].join('\n')

describe('the runner metrics of several llama-servers', () => {
  it('writes each family once, with every instance’s samples under it, labelled', () => {
    const lines = mergeFamilies([
      { text: text(12, 1), labels: 'model="tiny",generation="1"' },
      { text: text(30, 0), labels: 'model="tiny",generation="2"' },
      { text: text(7, 2), labels: 'model="big",generation="1"' },
    ])
    expect(lines).toEqual([
      '# HELP llamacpp:tokens_predicted_total Number of generation tokens processed.',
      '# TYPE llamacpp:tokens_predicted_total counter',
      'llamacpp:tokens_predicted_total{model="tiny",generation="1"} 12',
      'llamacpp:tokens_predicted_total{model="tiny",generation="2"} 30',
      'llamacpp:tokens_predicted_total{model="big",generation="1"} 7',
      '# HELP llamacpp:requests_processing Number of requests processing.',
      '# TYPE llamacpp:requests_processing gauge',
      'llamacpp:requests_processing{model="tiny",generation="1"} 1',
      'llamacpp:requests_processing{model="tiny",generation="2"} 0',
      'llamacpp:requests_processing{model="big",generation="1"} 2',
    ])
    // The text format's grouping rule: a family's TYPE line appears once.
    const types = lines.filter((l) => l.startsWith('# TYPE'))
    expect(new Set(types).size).toBe(types.length)
  })
})
