"""Contacts, consent (the opt-in switch, STOP and START) and phone verification."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop
from phonenumber_field.phonenumber import to_python

from sessions_app.models import User
from sms import bodies
from sms.models import OutboundSms, PhoneVerification, SmsConsent, SmsContact
from sms.services.common import _cancel_pending, _enqueue

# Shown next to the opt-in switch, and stored word for word with each grant. Marked for
# translation (gettext_noop keeps it English here); pages show it in the page's language.
CONSENT_TEXT = gettext_noop(
    "Text me reminders and updates about my Hearth support group sessions by SMS (up to 4 "
    "texts per session). Msg & data rates may apply. Reply HELP for help, STOP to opt out."
)


def phone_e164(raw) -> str | None:
    """A valid phone number in E.164 form, or None."""
    try:
        number = to_python(str(raw or "").strip())
    except Exception:  # noqa: BLE001 - phonenumbers raises several kinds on junk
        return None
    if number is None or not getattr(number, "is_valid", lambda: False)():
        return None
    return number.as_e164


# --- contacts and consent ---------------------------------------------------------------------


def contact_for(*, phone: str) -> SmsContact:
    try:
        with transaction.atomic():
            contact, _ = SmsContact.objects.get_or_create(phone=phone)
    except IntegrityError:
        contact = SmsContact.objects.get(phone=phone)
    return contact


def consent_record(*, user: User | None, phone: str, action: str, source: str, evidence: str):
    """Append one consent event (grant or revoke); rows are never changed afterwards."""
    return SmsConsent.objects.create(
        user=user, phone=phone, action=action, source=source, evidence=evidence
    )


@transaction.atomic
def user_sms_opt_in_set(
    *, user: User, enabled: bool, source: str = SmsConsent.Source.API, evidence: str = ""
) -> User:
    """Turn SMS on or off for a user; on needs a verified phone. Each change is recorded."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if bool(enabled) == user.sms_opt_in:
        return user
    phone = str(user.phone) if user.phone else ""
    if enabled:
        if not phone or user.phone_verified_at is None:
            raise ValidationError({"sms_opt_in": ["Verify your phone number first."]})
        contact = SmsContact.objects.filter(phone=phone).first()
        if contact is not None and contact.opted_out:
            raise ValidationError(
                {"sms_opt_in": ["This number replied STOP. Text START to us to turn texts on."]}
            )
    user.sms_opt_in = bool(enabled)
    user.save(update_fields=["sms_opt_in"])
    consent_record(
        user=user,
        phone=phone,
        action=SmsConsent.Action.GRANT if enabled else SmsConsent.Action.REVOKE,
        source=source,
        evidence=evidence
        or (f"Switched on, shown: {CONSENT_TEXT}" if enabled else "Switched off in settings."),
    )
    if not enabled:
        _cancel_pending(OutboundSms.objects.filter(user=user), "opted_out")
    return user


@transaction.atomic
def number_opt_out(*, phone: str, source: str, evidence: str) -> SmsContact:
    """STOP (or 21610): the number gets nothing more, and every pending text to it is dropped."""
    contact = SmsContact.objects.select_for_update().get(pk=contact_for(phone=phone).pk)
    if contact.opted_out_at is None:
        contact.opted_out_at = timezone.now()
        contact.save(update_fields=["opted_out_at"])
    for user in User.objects.select_for_update().filter(phone=phone, sms_opt_in=True):
        user.sms_opt_in = False
        user.save(update_fields=["sms_opt_in"])
        consent_record(
            user=user,
            phone=phone,
            action=SmsConsent.Action.REVOKE,
            source=source,
            evidence=evidence,
        )
    if not User.objects.filter(phone=phone).exists():
        consent_record(
            user=None,
            phone=phone,
            action=SmsConsent.Action.REVOKE,
            source=source,
            evidence=evidence,
        )
    _cancel_pending(OutboundSms.objects.filter(to=phone), "opted_out")
    return contact


@transaction.atomic
def number_opt_in(*, phone: str, evidence: str) -> SmsContact:
    """START/UNSTOP: the number may get texts again; verified owners are opted back in."""
    contact = SmsContact.objects.select_for_update().get(pk=contact_for(phone=phone).pk)
    contact.opted_out_at = None
    contact.save(update_fields=["opted_out_at"])
    for user in User.objects.select_for_update().filter(
        phone=phone, phone_verified_at__isnull=False, sms_opt_in=False
    ):
        user.sms_opt_in = True
        user.save(update_fields=["sms_opt_in"])
        consent_record(
            user=user,
            phone=phone,
            action=SmsConsent.Action.GRANT,
            source=SmsConsent.Source.SMS,
            evidence=evidence,
        )
    return contact


# --- phone verification -----------------------------------------------------------------------


def _code_hash(verification_user_id: int, phone: str, code: str) -> str:
    message = f"{verification_user_id}:{phone}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


@transaction.atomic
def phone_verification_start(
    *, user: User, phone: str, now: datetime | None = None
) -> PhoneVerification:
    """Set the user's number (unverified) and text it a 6-digit code."""
    now = now or timezone.now()
    e164 = phone_e164(phone)
    if e164 is None:
        raise ValidationError(
            {"phone": ["Enter a valid phone number in international form, e.g. +14155550123."]}
        )
    user = User.objects.select_for_update().get(pk=user.pk)
    recent = PhoneVerification.objects.filter(user=user, created_at__gt=now - timedelta(days=1))
    if recent.count() >= settings.SMS_VERIFY_MAX_CODES_PER_DAY:
        raise ValidationError({"phone": ["Too many codes today. Try again tomorrow."]})
    contact = SmsContact.objects.filter(phone=e164).first()
    if contact is not None and contact.opted_out:
        raise ValidationError(
            {"phone": ["This number replied STOP. Text START to us first, then try again."]}
        )
    if str(user.phone or "") != e164:
        if user.sms_opt_in:
            user.sms_opt_in = False
            consent_record(
                user=user,
                phone=str(user.phone or ""),
                action=SmsConsent.Action.REVOKE,
                source=SmsConsent.Source.SYSTEM,
                evidence=f"Phone number changed to {e164}.",
            )
        user.phone, user.phone_verified_at = e164, None
        user.save(update_fields=["phone", "phone_verified_at", "sms_opt_in"])
    PhoneVerification.objects.filter(
        user=user, verified_at__isnull=True, invalidated_at__isnull=True
    ).update(invalidated_at=now)
    code = f"{secrets.randbelow(10**6):06d}"
    ttl = settings.SMS_VERIFY_CODE_TTL_MINUTES
    verification = PhoneVerification.objects.create(
        user=user,
        phone=e164,
        code_hash=_code_hash(user.pk, e164, code),
        expires_at=now + timedelta(minutes=ttl),
    )
    row = OutboundSms.objects.create(
        idempotency_key=f"verify:{verification.pk}",
        kind=OutboundSms.Kind.VERIFICATION,
        to=e164,
        body=bodies.verification(code, ttl, language=user.language or None),
        user=user,
        send_after=now,
        expires_at=verification.expires_at,
        dispatched_at=now,
    )
    transaction.on_commit(lambda: _enqueue([row.pk]))
    return verification


def phone_verification_confirm(*, user: User, code: str, now: datetime | None = None) -> User:
    """Check a code: right marks the number verified; wrong counts a try (limited)."""
    now = now or timezone.now()
    code = str(code or "").strip()
    if not (len(code) == 6 and code.isdigit()):
        raise ValidationError({"code": ["Enter the 6-digit code we texted you."]})
    error = None
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        verification = (
            PhoneVerification.objects.select_for_update()
            .filter(user=user, verified_at__isnull=True, invalidated_at__isnull=True)
            .order_by("-created_at", "-pk")
            .first()
        )
        if (
            verification is None
            or verification.expires_at <= now
            or verification.phone != str(user.phone or "")
        ):
            raise ValidationError(
                {"code": ["No code is waiting or it expired. Ask for a new one."]}
            )
        verification.attempts += 1
        if hmac.compare_digest(
            verification.code_hash, _code_hash(user.pk, verification.phone, code)
        ):
            verification.verified_at = now
            verification.save(update_fields=["attempts", "verified_at"])
            _phone_take_over(user=user, phone=verification.phone, now=now)
        else:
            left = settings.SMS_VERIFY_MAX_ATTEMPTS - verification.attempts
            if left <= 0:
                verification.invalidated_at = now
                error = "That code is not right and no tries are left. Ask for a new code."
            else:
                error = f"That code is not right. {left} {'try' if left == 1 else 'tries'} left."
            verification.save(update_fields=["attempts", "invalidated_at"])
    # Raised after the commit so that the counted try is kept.
    if error:
        raise ValidationError({"code": [error]})
    return user


def _phone_take_over(*, user: User, phone: str, now: datetime) -> None:
    """The number is proven to be this user's: any other account loses it."""
    for other in User.objects.select_for_update().filter(phone=phone).exclude(pk=user.pk):
        if other.sms_opt_in:
            consent_record(
                user=other,
                phone=phone,
                action=SmsConsent.Action.REVOKE,
                source=SmsConsent.Source.SYSTEM,
                evidence="The number was verified by another account.",
            )
        other.phone, other.phone_verified_at, other.sms_opt_in = None, None, False
        other.save(update_fields=["phone", "phone_verified_at", "sms_opt_in"])
    user.phone_verified_at = now
    user.save(update_fields=["phone_verified_at"])
    SmsContact.objects.filter(phone=phone).update(undeliverable=False, last_error_code=None)
    contact_for(phone=phone)
