/**
 * A service's `/metrics` as a scraper reads it, at one moment: the value of one series, named as
 * it is exposed (`name` or `name{label="…",…}`), 0 when the series has no sample yet.
 */
export async function scrapeMetrics(serviceUrl: string): Promise<(series: string) => number> {
  const text = await (await fetch(`${serviceUrl}/metrics`)).text();
  return (series) => {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line ? Number(line.slice(series.length + 1)) : 0;
  };
}
