import { z } from 'zod';
import { ConfigError, parseConfig } from '@tollgate/config';
import { corsOrigins } from './cors-origins.schema';

const schema = z.object({ CORS_ORIGINS: corsOrigins });

describe('CORS_ORIGINS', () => {
  it('is off unless set, and takes a comma-separated list of origins or *', () => {
    expect(parseConfig(schema, {}).CORS_ORIGINS).toEqual([]);
    expect(parseConfig(schema, { CORS_ORIGINS: 'https://app.example.com, http://localhost:3000' }).CORS_ORIGINS).toEqual([
      'https://app.example.com',
      'http://localhost:3000',
    ]);
    expect(parseConfig(schema, { CORS_ORIGINS: '*' }).CORS_ORIGINS).toEqual(['*']);
  });

  it.each(['https://app.example.com/', 'app.example.com', 'https://App.example.com', 'https://app.example.com:443', 'ftp://files.example.com'])(
    'stops the gateway at boot for %s, which no browser would send as an origin',
    (value) => {
      expect(() => parseConfig(schema, { CORS_ORIGINS: value })).toThrow(ConfigError);
      expect(() => parseConfig(schema, { CORS_ORIGINS: value })).toThrow(/CORS_ORIGINS: must be \* or a comma-separated list of origins/);
    },
  );
});
