import { Hashing } from './hashing';

async function medianMs(times: number, run: () => Promise<unknown>): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const start = process.hrtime.bigint();
    await run();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return samples.sort((a, b) => a - b)[Math.floor(times / 2)];
}

describe('Hashing.verifyPasswordOrNone', () => {
  const hashing = new Hashing({ KEY_PEPPER: 'x'.repeat(32) } as never);

  it('checks the password of a known user', async () => {
    const hash = await hashing.hashPassword('correct horse');
    await expect(hashing.verifyPasswordOrNone(hash, 'correct horse')).resolves.toBe(true);
    await expect(hashing.verifyPasswordOrNone(hash, 'wrong')).resolves.toBe(false);
    await expect(hashing.verifyPasswordOrNone(undefined, 'correct horse')).resolves.toBe(false);
  });

  it('spends an argon2 verification on an unknown user too, so the answer time does not tell who exists', async () => {
    const hash = await hashing.hashPassword('correct horse');
    await hashing.verifyPasswordOrNone(undefined, 'warm-up'); // the decoy hash is made once
    const known = await medianMs(5, () => hashing.verifyPasswordOrNone(hash, 'wrong'));
    const unknown = await medianMs(5, () => hashing.verifyPasswordOrNone(undefined, 'wrong'));
    // The same work, not a shortcut: without the decoy an unknown user took under 1% of the time.
    expect(unknown).toBeGreaterThan(known / 4);
  });
});
