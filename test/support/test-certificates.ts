import crypto from 'node:crypto';

/**
 * X.509 certificates made at test time with node:crypto alone: a fresh machine
 * may lack the `openssl` tool, and Node can sign but not build certificates, so
 * the few DER structures a certificate needs are encoded here by hand (ECDSA
 * P-256 with SHA-256, X.509 v3, RFC 5280).
 */

/** A key pair and its certificate, both PEM. */
export interface TestCertificate {
  /** PKCS#8 PEM private key. */
  key: string;
  /** PEM certificate. */
  cert: string;
  /** For signing further certificates with this one. */
  privateKey: crypto.KeyObject;
  publicKey: crypto.KeyObject;
  subject: string;
}

export interface CertificateOptions {
  /** Subject common name (for a client certificate: the database user). */
  commonName: string;
  /** subjectAltName DNS names. */
  dnsNames?: string[];
  /** subjectAltName IPv4 addresses. */
  ipAddresses?: string[];
  /** The issuing CA; omitted → self-signed. */
  issuer?: TestCertificate;
  /** A CA certificate (basicConstraints cA, keyCertSign). */
  isCa?: boolean;
  /** Validity in days from one hour ago (default 2). */
  days?: number;
}

/** Makes a CA (self-signed) or a leaf certificate signed by `issuer`. */
export function makeCertificate(options: CertificateOptions): TestCertificate {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const issuer = options.issuer;
  const signingKey = issuer?.privateKey ?? privateKey;
  const issuerName = name(issuer?.subject ?? options.commonName);
  const issuerSpki = issuer ? issuer.publicKey.export({ type: 'spki', format: 'der' }) : spki;
  const notBefore = new Date(Date.now() - 3_600_000);
  const notAfter = new Date(notBefore.getTime() + (options.days ?? 2) * 86_400_000);

  const extensions = [
    extension('2.5.29.19', true, options.isCa ? seq(bool(true)) : seq()),
    // keyCertSign|cRLSign for a CA; digitalSignature for a leaf (ECDHE key exchange signs).
    extension('2.5.29.15', true, options.isCa ? bitString(Buffer.from([0x06]), 1) : bitString(Buffer.from([0x80]), 7)),
    extension('2.5.29.14', false, octets(keyId(spki))),
    extension('2.5.29.35', false, seq(tlv(0x80, keyId(issuerSpki)))),
  ];
  const altNames = [
    ...(options.dnsNames ?? []).map((dns) => tlv(0x82, Buffer.from(dns, 'ascii'))),
    ...(options.ipAddresses ?? []).map((ip) => tlv(0x87, Buffer.from(ip.split('.').map(Number)))),
  ];
  if (altNames.length > 0) extensions.push(extension('2.5.29.17', false, seq(...altNames)));

  const algorithm = seq(oid('1.2.840.10045.4.3.2')); // ecdsa-with-SHA256
  const serial = crypto.randomBytes(16);
  serial[0]! &= 0x7f;
  const tbs = seq(
    tlv(0xa0, integer(Buffer.from([2]))), // v3
    integer(serial),
    algorithm,
    issuerName,
    seq(utcTime(notBefore), utcTime(notAfter)),
    name(options.commonName),
    spki,
    tlv(0xa3, seq(...extensions)),
  );
  const signature = crypto.sign('sha256', tbs, signingKey);
  const der = seq(tbs, algorithm, bitString(signature, 0));
  return {
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    cert: pem('CERTIFICATE', der),
    privateKey,
    publicKey,
    subject: options.commonName,
  };
}

function pem(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

function keyId(spki: Buffer): Buffer {
  return crypto.createHash('sha1').update(spki).digest();
}

function name(commonName: string): Buffer {
  return seq(tlv(0x31, seq(oid('2.5.4.3'), tlv(0x0c, Buffer.from(commonName, 'utf8')))));
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return critical ? seq(oid(id), bool(true), octets(value)) : seq(oid(id), octets(value));
}

function tlv(tag: number, content: Buffer): Buffer {
  const n = content.length;
  let length: Buffer;
  if (n < 0x80) length = Buffer.from([n]);
  else {
    const bytes: number[] = [];
    for (let rest = n; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest & 0xff);
    length = Buffer.from([0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([Buffer.from([tag]), length, content]);
}

function seq(...parts: Buffer[]): Buffer {
  return tlv(0x30, Buffer.concat(parts));
}

function bool(value: boolean): Buffer {
  return tlv(0x01, Buffer.from([value ? 0xff : 0x00]));
}

function octets(value: Buffer): Buffer {
  return tlv(0x04, value);
}

function bitString(value: Buffer, unusedBits: number): Buffer {
  return tlv(0x03, Buffer.concat([Buffer.from([unusedBits]), value]));
}

/** A non-negative INTEGER from big-endian bytes. */
function integer(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = bytes.subarray(start);
  return tlv(0x02, trimmed[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const bytes = [40 * parts[0]! + parts[1]!];
  for (const part of parts.slice(2)) {
    const chunk = [part & 0x7f];
    for (let rest = Math.floor(part / 128); rest > 0; rest = Math.floor(rest / 128)) chunk.unshift((rest & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}

function utcTime(date: Date): Buffer {
  const two = (n: number) => String(n).padStart(2, '0');
  const text =
    two(date.getUTCFullYear() % 100) +
    two(date.getUTCMonth() + 1) +
    two(date.getUTCDate()) +
    two(date.getUTCHours()) +
    two(date.getUTCMinutes()) +
    two(date.getUTCSeconds()) +
    'Z';
  return tlv(0x17, Buffer.from(text, 'ascii'));
}
