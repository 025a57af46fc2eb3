import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';

/**
 * Server-side request forgery guard for webhook URLs: which addresses a delivery may never
 * reach (unless `WEBHOOK_ALLOW_PRIVATE=true`), checked on literal addresses at submit and on every
 * address a host name resolves to at delivery time, inside the socket's own `lookup` so the
 * address checked is the address connected to (no window for DNS rebinding).
 */

/** Why an address is refused. */
export type BlockedAddressClass =
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'cgnat'
  | 'multicast'
  | 'metadata'
  | 'reserved';

interface Range {
  bytes: number[];
  bits: number;
  kind: BlockedAddressClass;
}

/** CIDR ranges; the first match wins, so specific ones (metadata) come before wide ones. */
const V4_RANGES: Array<[string, number, BlockedAddressClass]> = [
  ['169.254.169.254', 32, 'metadata'], // AWS, GCP, Azure, OpenStack…
  ['169.254.170.2', 32, 'metadata'], // AWS ECS task metadata
  ['100.100.100.200', 32, 'metadata'], // Alibaba Cloud
  ['192.0.0.192', 32, 'metadata'], // Oracle Cloud
  ['0.0.0.0', 8, 'unspecified'],
  ['127.0.0.0', 8, 'loopback'],
  ['10.0.0.0', 8, 'private'],
  ['172.16.0.0', 12, 'private'],
  ['192.168.0.0', 16, 'private'],
  ['169.254.0.0', 16, 'link-local'],
  ['100.64.0.0', 10, 'cgnat'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'], // and 255.255.255.255 broadcast
  ['192.0.0.0', 24, 'reserved'], // IETF protocol assignments
  ['198.18.0.0', 15, 'reserved'], // benchmarking
];
const V6_RANGES: Array<[string, number, BlockedAddressClass]> = [
  ['fd00:ec2::254', 128, 'metadata'], // AWS over IPv6
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['fc00::', 7, 'private'], // unique local (RFC 4193)
  ['fec0::', 10, 'private'], // deprecated site-local
  ['fe80::', 10, 'link-local'],
  ['ff00::', 8, 'multicast'],
];

function v4Bytes(address: string): number[] {
  return address.split('.').map((part) => Number(part));
}

/** The 16 bytes of an IPv6 address (also with an embedded dotted IPv4 tail). */
function v6Bytes(address: string): number[] {
  let text = address.toLowerCase().replace(/%.*$/, '');
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = v4Bytes(dotted[1]);
    text = text.slice(0, -dotted[1].length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const headParts = head ? head.split(':') : [];
  const tailParts = tail ? tail.split(':') : [];
  const zeros = tail === undefined ? [] : new Array(8 - headParts.length - tailParts.length).fill('0');
  const groups = [...headParts, ...zeros, ...tailParts].map((group) => parseInt(group, 16));
  return groups.flatMap((group) => [group >> 8, group & 0xff]);
}

function toRanges(list: Array<[string, number, BlockedAddressClass]>, parse: (address: string) => number[]): Range[] {
  return list.map(([address, bits, kind]) => ({ bytes: parse(address), bits, kind }));
}

const V4 = toRanges(V4_RANGES, v4Bytes);
const V6 = toRanges(V6_RANGES, v6Bytes);

function inRange(bytes: number[], range: Range): boolean {
  for (let bit = 0; bit < range.bits; bit += 8) {
    const take = Math.min(8, range.bits - bit);
    const mask = (0xff << (8 - take)) & 0xff;
    if ((bytes[bit / 8] & mask) !== (range.bytes[bit / 8] & mask)) return false;
  }
  return true;
}

function classifyV4(bytes: number[]): BlockedAddressClass | null {
  return V4.find((range) => inRange(bytes, range))?.kind ?? null;
}

/**
 * The class of a literal IP address a webhook must not reach, or `null` when it is public.
 * IPv4-mapped (`::ffff:a.b.c.d`), IPv4-compatible and NAT64 (`64:ff9b::/96`) IPv6 addresses are
 * judged by the IPv4 address they carry.
 * @throws Error when `address` is not an IP address.
 */
export function classifyAddress(address: string): BlockedAddressClass | null {
  const family = isIP(address.replace(/%.*$/, ''));
  if (family === 4) return classifyV4(v4Bytes(address));
  if (family !== 6) throw new Error(`not an IP address: ${address}`);
  const bytes = v6Bytes(address);
  const v6 = V6.find((range) => inRange(bytes, range))?.kind;
  if (v6) return v6;
  const first10Zero = bytes.slice(0, 10).every((b) => b === 0);
  const mapped = first10Zero && bytes[10] === 0xff && bytes[11] === 0xff;
  const compatible = first10Zero && bytes[10] === 0 && bytes[11] === 0;
  const nat64 = bytes[0] === 0x00 && bytes[1] === 0x64 && bytes[2] === 0xff && bytes[3] === 0x9b && bytes.slice(4, 12).every((b) => b === 0);
  if (mapped || compatible || nat64) return classifyV4(bytes.slice(12));
  return null;
}

/** Host names that always mean this machine or a cloud metadata service (no DNS needed). */
export function classifyHostName(hostname: string): BlockedAddressClass | null {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  if (name === 'localhost' || name.endsWith('.localhost')) return 'loopback';
  if (name === 'metadata.google.internal' || name === 'metadata' || name === 'instance-data' || name === 'instance-data.ec2.internal') return 'metadata';
  return null;
}

/** A delivery refused because its host is (or resolves to) an address webhooks may not reach. */
export class WebhookAddressRefusedError extends Error {
  readonly code = 'webhook_address_refused';

  constructor(
    readonly hostname: string,
    readonly address: string,
    readonly addressClass: BlockedAddressClass,
  ) {
    super(
      address === hostname
        ? `refused: ${hostname} is a ${addressClass} address (set WEBHOOK_ALLOW_PRIVATE=true only for development)`
        : `refused: ${hostname} resolves to ${address}, a ${addressClass} address (set WEBHOOK_ALLOW_PRIVATE=true only for development)`,
    );
    this.name = 'WebhookAddressRefusedError';
  }
}

/** `dns.lookup`'s shape with `all: true` (tests may pass their own resolver). */
export type ResolveAll = (hostname: string, family: number) => Promise<LookupAddress[]>;

/** The system resolver (`/etc/hosts`, then DNS), every address of `hostname`. */
export const systemResolveAll: ResolveAll = (hostname, family) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, family: family as 0 | 4 | 6 }, (err, addresses) => (err ? reject(err) : resolve(addresses)));
  });

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for `http.request`/`net.connect` that resolves every address of the host and fails
 * the connection with {@link WebhookAddressRefusedError} when any of them may not be reached;
 * otherwise it hands the socket exactly the addresses it checked.
 */
export function createGuardedLookup(options: { allowPrivate: boolean; resolveAll?: ResolveAll }) {
  const resolveAll = options.resolveAll ?? systemResolveAll;
  return function guardedLookup(hostname: string, lookupOptions: { family?: number | string; all?: boolean }, callback: LookupCallback): void {
    const family = lookupOptions.family === 'IPv6' ? 6 : lookupOptions.family === 'IPv4' ? 4 : Number(lookupOptions.family ?? 0) || 0;
    resolveAll(hostname, family).then(
      (addresses) => {
        if (addresses.length === 0) {
          const err: NodeJS.ErrnoException = new Error(`no address for ${hostname}`);
          err.code = 'ENOTFOUND';
          callback(err, '');
          return;
        }
        if (!options.allowPrivate) {
          for (const { address } of addresses) {
            const blocked = classifyAddress(address);
            if (blocked) {
              callback(new WebhookAddressRefusedError(hostname, address, blocked), '');
              return;
            }
          }
        }
        if (lookupOptions.all) callback(null, addresses);
        else callback(null, addresses[0].address, addresses[0].family);
      },
      (err: NodeJS.ErrnoException) => callback(err, ''),
    );
  };
}
