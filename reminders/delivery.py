"""Delivery by email and to group-chat robots, each platform in its own message format and signing scheme.

A delivery locks its reminder row and skips one that is sent already, so a retried or repeated task
never sends twice; a failure is recorded on the row and raised for the task to retry with backoff.
"""

import base64
import hashlib
import hmac
import json
import re
import time
import urllib.parse
import urllib.request

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from . import summary
from .messages import compose
from .models import Channel, Platform, Preference, Reminder, SummaryDelivery

TIMEOUT_SECONDS = 10


class DeliveryFailed(Exception):
    pass


def language_of(user):
    preference = Preference.objects.filter(user=user).first()
    return preference.language if preference else "zh-hans"


# Email ---------------------------------------------------------------------------------------------


def email_message(message, *, to, language):
    with translation.override(language):
        context = {"message": message}
        text = render_to_string("reminders/email.txt", context)
        html = render_to_string("reminders/email.html", context)
    email = EmailMultiAlternatives(subject=message.title, body=text, to=[to])
    email.attach_alternative(html, "text/html")
    return email


# Group chat ----------------------------------------------------------------------------------------


def _hmac_base64(key, message):
    return base64.b64encode(hmac.new(key.encode(), message.encode(), hashlib.sha256).digest()).decode()


# What in a name could make markdown of it: a link or image ([text](address)), an HTML tag or autolink
# (<...>), emphasis or code. A backslash makes each one the character itself.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>])")


def markdown_text(text):
    """Text (a project's or customer's name, a next step) shown as itself in a markdown message, on
    one line (a line break could start a heading or a quote)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(str(text).splitlines()))


def chat_request(webhook, message, *, now=None):
    """(url, JSON body) for one robot. WeCom: markdown, no signature (the key is in the address).
    DingTalk: markdown; with a secret, `timestamp` (ms) and `sign` = base64 HMAC-SHA256 of
    "timestamp\\nsecret" keyed by the secret, added to the address. Feishu: text; with a secret,
    `timestamp` (s) and `sign` = base64 HMAC-SHA256 of nothing, keyed by "timestamp\\nsecret", in the body."""
    now = time.time() if now is None else now
    if webhook.platform == Platform.WECOM:
        title, lines = markdown_text(message.title), [markdown_text(line) for line in message.lines]
        content = f"**{title}**\n" + "\n".join(f"> {line}" for line in lines)
        content += f"\n[{message.url}]({message.url})"
        return webhook.url, {"msgtype": "markdown", "markdown": {"content": content}}
    if webhook.platform == Platform.DINGTALK:
        title, lines = markdown_text(message.title), [markdown_text(line) for line in message.lines]
        text = f"#### {title}\n\n" + "\n\n".join(lines) + f"\n\n[{message.url}]({message.url})"
        url = webhook.url
        if webhook.secret:
            timestamp = str(int(now * 1000))
            sign = _hmac_base64(webhook.secret, f"{timestamp}\n{webhook.secret}")
            separator = "&" if "?" in url else "?"
            url += separator + urllib.parse.urlencode({"timestamp": timestamp, "sign": sign})
        return url, {"msgtype": "markdown", "markdown": {"title": message.title, "text": text}}
    body = {"msg_type": "text", "content": {"text": message.text}}
    if webhook.secret:
        timestamp = str(int(now))
        body = {"timestamp": timestamp, "sign": _hmac_base64(f"{timestamp}\n{webhook.secret}", ""), **body}
    return webhook.url, body


def post_to_chat(webhook, message):
    url, body = chat_request(webhook, message)
    request = urllib.request.Request(
        url,
        data=json.dumps(body, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 (an admin's https URL)
            answer = json.loads(response.read() or b"{}")
    except (OSError, ValueError) as error:
        raise DeliveryFailed(f"{webhook.get_platform_display()}: {error}") from error
    # WeCom and DingTalk answer errcode 0, Feishu code 0 (older robots StatusCode 0) on success.
    code = answer.get("errcode", answer.get("code", answer.get("StatusCode", 0)))
    if code != 0:
        raise DeliveryFailed(f"{webhook.get_platform_display()}: {answer}")


# One reminder --------------------------------------------------------------------------------------


def send(reminder):
    if reminder.channel == Channel.EMAIL:
        language = language_of(reminder.recipient)
        message = compose(reminder, language)
        try:
            email_message(message, to=reminder.recipient.email, language=language).send()
        except OSError as error:
            raise DeliveryFailed(f"email: {error}") from error
    elif reminder.channel == Channel.CHAT:
        post_to_chat(reminder.webhook, compose(reminder, settings.LANGUAGE_CODE))


def send_summary(row):
    if row.channel == Channel.EMAIL:
        language = language_of(row.recipient)
        message = summary.compose(summary.facts(row.day), language)
        try:
            email_message(message, to=row.recipient.email, language=language).send()
        except OSError as error:
            raise DeliveryFailed(f"email: {error}") from error
    else:
        # A group robot for one owner's deals hears only of those.
        message = summary.compose(summary.facts(row.day, owner=row.webhook.owner), settings.LANGUAGE_CODE)
        post_to_chat(row.webhook, message)


def _deliver_once(rows, pk, send_row):
    """Send one row unless it is sent already or another worker is sending it (its lock is held).
    Returns True when this call sent it; a failure is recorded on the row, then raised."""
    error = None
    with transaction.atomic():
        row = rows.select_for_update(skip_locked=True, of=("self",)).filter(pk=pk, sent_at__isnull=True).first()
        if row is None:
            return False
        row.attempts += 1
        try:
            send_row(row)
        except DeliveryFailed as failure:
            error = failure
            row.last_error = str(failure)[:2000]
        else:
            row.sent_at = timezone.now()
            row.last_error = ""
        row.save(update_fields=["attempts", "sent_at", "last_error"])
    if error:
        raise error
    return True


def deliver(reminder_pk):
    """Send one email or chat reminder, once."""
    rows = Reminder.objects.select_related(
        "project__customer", "project__owner", "keypoint__next_step_owner", "recipient", "webhook"
    ).exclude(channel=Channel.APP)
    return _deliver_once(rows, reminder_pk, send)


def deliver_summary(delivery_pk):
    """Send one day's summary to one person or group, once."""
    return _deliver_once(
        SummaryDelivery.objects.select_related("recipient", "webhook__owner"), delivery_pk, send_summary
    )
