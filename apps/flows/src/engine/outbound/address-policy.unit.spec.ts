import { AddressPolicy } from './address-policy';

describe('which addresses the http step may reach', () => {
  it('refuses private, loopback, link-local and unique-local addresses by default', () => {
    const policy = new AddressPolicy([]);
    for (const address of ['127.0.0.1', '10.0.0.8', '192.168.1.1', '172.16.3.4', '169.254.169.254', '::1', 'fc00::1', 'fe80::1', '0.0.0.0', '::ffff:127.0.0.1']) {
      expect(policy.refusal(address)).toBeDefined();
    }
    expect(policy.refusal('127.0.0.1')).toBe('a loopback address');
    expect(policy.refusal('169.254.169.254')).toBe('a link-local address');
    expect(policy.refusal('0.0.0.0')).toBe('an unspecified address');
    expect(policy.refusal('100.64.0.1')).toBe('a carrier-grade NAT address');
    expect(policy.refusal('fd00:ec2::254')).toBe('a unique-local address');
    expect(policy.refusal('93.184.216.34')).toBeUndefined();
    expect(policy.refusal('2606:4700::1111')).toBeUndefined();
  });

  it('lets the operator allow hosts, host:port pairs and ranges', () => {
    const policy = new AddressPolicy(['10.1.0.0/16', 'internal.example:8443', '127.0.0.1']);
    expect(policy.refusal('10.1.2.3')).toBeUndefined();
    expect(policy.refusal('10.2.0.1')).toBeDefined();
    expect(policy.refusal('127.0.0.1')).toBeUndefined();
    expect(policy.allowsHost('internal.example', '8443')).toBe(true);
    expect(policy.allowsHost('internal.example', '443')).toBe(false);
  });
});
