#!/usr/bin/env python3
"""Write the DER seeds of fuzz_as_rep to corpus/as_rep/.

AS-REPs shaped as KDCs send them,

    AS-REP ::= [APPLICATION 11] SEQUENCE { pvno [0], msg-type [1],
               padata [2], crealm [3], cname [4], ticket [5] Ticket,
               enc-part [6] EncryptedData }

one as MIT sends it (no kvno in the reply's enc-part), one as Active
Directory does (kvno present), one with four-byte lengths, and a
KRB-ERROR.  The ciphertexts are filler: the parser never looks inside.
"""
import os
import sys


def tlv(tag, body):
    n = len(body)
    if n < 0x80:
        head = bytes([n])
    elif n < 0x100:
        head = bytes([0x81, n])
    else:
        head = bytes([0x82, n >> 8, n & 0xFF])
    return bytes([tag]) + head + body


def long_tlv(tag, body):
    """Four length bytes, as some encoders write even for short content."""
    return bytes([tag, 0x84]) + len(body).to_bytes(4, "big") + body


def ctx(n, body):
    return tlv(0xA0 + n, body)


def integer(v):
    return tlv(0x02, v.to_bytes((v.bit_length() + 8) // 8, "big", signed=True))


def gstring(s):
    return tlv(0x1B, s.encode())


def seq(*parts):
    return tlv(0x30, b"".join(parts))


def principal(name_type, *names):
    return seq(ctx(0, integer(name_type)), ctx(1, seq(*map(gstring, names))))


def enc_data(etype, cipher_len, kvno=None):
    parts = [ctx(0, integer(etype))]
    if kvno is not None:
        parts.append(ctx(1, integer(kvno)))
    parts.append(ctx(2, tlv(0x04, bytes(range(cipher_len)))))
    return seq(*parts)


def ticket(realm, sname, kvno):
    body = seq(ctx(0, integer(5)), ctx(1, gstring(realm)),
               ctx(2, principal(2, *sname)), ctx(3, enc_data(18, 96, kvno)))
    return tlv(0x61, body)


def as_rep(realm, cname, sname, tkt_kvno, rep_kvno, wrap=tlv):
    pa_etype_info2 = seq(ctx(1, integer(19)), ctx(2, tlv(0x04, seq(seq(
        ctx(0, integer(18)), ctx(1, gstring(realm + cname)))))))
    body = seq(ctx(0, integer(5)), ctx(1, integer(11)),
               ctx(2, seq(pa_etype_info2)), ctx(3, gstring(realm)),
               ctx(4, principal(1, cname)),
               ctx(5, ticket(realm, sname, tkt_kvno)),
               ctx(6, enc_data(18, 120, rep_kvno)))
    return wrap(0x6B, body)


def krb_error(realm):
    body = seq(ctx(0, integer(5)), ctx(1, integer(30)),
               ctx(4, tlv(0x18, b"20260101000000Z")), ctx(5, integer(0)),
               ctx(6, integer(24)), ctx(9, gstring(realm)),
               ctx(10, principal(2, "krbtgt", realm)))
    return tlv(0x7E, body)


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                       "corpus", "as_rep")
    os.makedirs(out, exist_ok=True)
    realm = "EXAMPLE.TEST"
    seeds = {
        "mit": as_rep(realm, "host/b.example.test",
                      ("krbtgt", realm), 1, None),
        "ad": as_rep(realm, "b$", ("krbtgt", realm), 2, 300),
        "long-lengths": as_rep(realm, "host/b.example.test",
                               ("host", "b.example.test"), 7, None,
                               wrap=long_tlv),
        "krb-error": krb_error(realm),
    }
    for name, der in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(der)
    return 0


if __name__ == "__main__":
    sys.exit(main())
