"""Journeys: automated messages that follow a customer from a trigger through timed steps.

- `definitions`: journeys, their steps, versions and statuses (what staff edit);
- `triggers`: who enters, once per trigger occurrence;
- `runner`: the beat job that advances due enrolments (exit rules, waits, vouchers, branches, sends);
- `sending`: one message through its channel, once;
- `tracking`: clicks, opens, unsubscribes and the orders attributed to a message;
- `results`: what each journey and step achieved, in money;
- `template`: the ready-made abandoned-cart journey.
"""
