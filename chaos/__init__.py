"""`make chaos`: fault injection against real verifyd processes.

Every scenario starts its own processes (redis-server on a free loopback port in a temporary directory, or a Redis
Cluster of six, verifyd instances, the sinks of Tests/sinks, nginx when needed), injects faults while clients send,
asserts, and tears everything down, also on a failed assertion, Ctrl-C or SIGTERM. Every wait is a condition polled
with a deadline. Each accepted send (HTTP 200, code 0) goes to a target no other send uses, so it is one code to
follow to delivery.

Layout: __main__ (command line), runner and summary (the run and its totals), scenario (the base class of
scenarios/*, one module per scenario), fixtures/* (processes), clients/* (HTTP and Redis), load/* (what the
clients send), codes (result codes from openapi.yaml), api (the verifyd API), checks and wait (shared assertions).
"""
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
