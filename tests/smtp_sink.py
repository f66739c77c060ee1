"""A real SMTP server for the tests (aiosmtpd): writes every message it accepts to
<outdir>/<n>.eml, with the envelope recipients in <n>.rcpt. Usage: smtp_sink.py PORT OUTDIR"""
import os
import sys
import time

from aiosmtpd.controller import Controller

port, outdir = int(sys.argv[1]), sys.argv[2]
os.makedirs(outdir, exist_ok=True)


class Sink:
    async def handle_DATA(self, server, session, envelope):
        name = os.path.join(outdir, str(time.time_ns()))
        with open(name + ".rcpt", "w") as f:
            f.write("\n".join(envelope.rcpt_tos))
        with open(name + ".tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.rename(name + ".tmp", name + ".eml")
        return "250 Message accepted"


controller = Controller(Sink(), hostname="127.0.0.1", port=port)
controller.start()
print("ready", flush=True)
try:
    while True:
        time.sleep(3600)
finally:
    controller.stop()
