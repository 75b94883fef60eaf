#!/usr/bin/env python3
"""Writes a synthetic Disqus XML export to stdout, for measuring `caucus-server import`.

    bench/gen-disqus-export.py 100000 > /tmp/disqus-100k.xml
    /usr/bin/time -v target/release/caucus-server import --format disqus \
        /tmp/disqus-100k.xml --db /tmp/bench.db

COMMENTS posts (default 100,000) over COMMENTS/100 threads. About a third are replies, some to
a post further down the file; one in fifty is deleted and one in a hundred is spam, as real
exports have. Bodies are a few hundred bytes of HTML with entities and non-ASCII text.
Deterministic (fixed seed), so runs compare. Never commit the output.
"""
import random
import sys

comments = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
threads = max(1, comments // 100)
rng = random.Random(7)
out = sys.stdout
w = out.write
w('<?xml version="1.0" encoding="utf-8"?>\n')
w('<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">\n')
for t in range(threads):
    w(f'  <thread dsq:id="{t}"><id>post-{t}</id><forum>bench</forum>'
      f'<link>https://blog.example.org/{2000 + t % 20}/post-{t}/</link>'
      f'<title>Post number {t} &amp; its comments</title>'
      f'<createdAt>2016-01-01T00:00:00Z</createdAt><isDeleted>false</isDeleted></thread>\n')
words = ("comment caucus reply thread Zürich café naïve 日本語 the of and to a in is that "
         "it was for on are as with his they at be this from I have or by one had").split()
for p in range(comments):
    t = p % threads
    body = " ".join(rng.choice(words) for _ in range(rng.randint(10, 60)))
    parent = ""
    roll = rng.random()
    if p >= threads and roll < 0.30:
        # A reply to an earlier post of the same thread.
        parent = f'<parent dsq:id="{p - threads * rng.randint(1, min(5, p // threads))}"/>'
    elif p + threads < comments and roll < 0.33:
        # A reply to a post further down the file.
        parent = f'<parent dsq:id="{p + threads}"/>'
    deleted = "true" if rng.random() < 0.02 else "false"
    spam = "true" if rng.random() < 0.01 else "false"
    minute = p % 60
    w(f'  <post dsq:id="{p}"><id/><message><![CDATA[<p>{body}</p><p>Tom &amp; Jerry &lt;3 '
      f'<a href="https://example.com/{p}">link</a></p>]]></message>'
      f'<createdAt>2016-{1 + p % 12:02d}-{1 + p % 28:02d}T{p % 24:02d}:{minute:02d}:00Z</createdAt>'
      f'<isDeleted>{deleted}</isDeleted><isSpam>{spam}</isSpam>'
      f'<author><name>Reader {p % 977}</name><isAnonymous>false</isAnonymous>'
      f'<username>reader{p % 977}</username></author>'
      f'<thread dsq:id="{t}"/>{parent}</post>\n')
w('</disqus>\n')
