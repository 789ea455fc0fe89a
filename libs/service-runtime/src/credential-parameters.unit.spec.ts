import { withoutCredentialParameters } from './credential-parameters';

describe('credential parameters in a URL', () => {
  it('masks key, access_token and token however their names are spelt, and nothing else', () => {
    expect(withoutCredentialParameters('/t?a=1&key=K&access_token=A&token=T&keys=x')).toBe('/t?a=1&key=[redacted]&access_token=[redacted]&token=[redacted]&keys=x');
    expect(withoutCredentialParameters('/t?k%65y=K&%74oken=T&access%5Ftoken=A&%6B%65%79=K2')).toBe('/t?k%65y=[redacted]&%74oken=[redacted]&access%5Ftoken=[redacted]&%6B%65%79=[redacted]');
    expect(withoutCredentialParameters('/t?KEY=K&Token=T')).toBe('/t?KEY=[redacted]&Token=[redacted]');
    // `%2574oken` is `%74oken` once decoded, which the server does not read as `token`; `ke+y` is `ke y`.
    expect(withoutCredentialParameters('/t?%2574oken=T&ke+y=K&k%ZZey=K&key')).toBe('/t?%2574oken=T&ke+y=K&k%ZZey=K&key');
    expect(withoutCredentialParameters('https://h.example/t?key=a=b&x=key=1')).toBe('https://h.example/t?key=[redacted]&x=key=1');
    expect(withoutCredentialParameters('/t')).toBe('/t');
  });

  it('takes a # in a request line for the start of the query, as the router does', () => {
    expect(withoutCredentialParameters('/t#&k%65y=K')).toBe('/t#&k%65y=[redacted]');
    expect(withoutCredentialParameters('/t#x&key=K')).toBe('/t#x&key=[redacted]');
    expect(withoutCredentialParameters('/t?x#&token=T')).toBe('/t?x#&token=[redacted]');
  });
});
