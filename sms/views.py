"""Twilio webhooks: POST /sms/inbound/ and /sms/status/. The X-Twilio-Signature is checked
against PUBLIC_BASE_URL + path (+ query string) and every POST parameter; without a valid
one the answer is 403 and nothing is recorded. Answers are TwiML."""

import logging

from django.conf import settings
from django.http import HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from sms import replies, services

log = logging.getLogger(__name__)


def signature_valid(request) -> bool:
    """True if the request carries Twilio's signature for our public URL and its params."""
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature or not settings.TWILIO_AUTH_TOKEN:
        return False
    url = settings.PUBLIC_BASE_URL + request.path
    if request.META.get("QUERY_STRING"):
        url += "?" + request.META["QUERY_STRING"]
    return RequestValidator(settings.TWILIO_AUTH_TOKEN).validate(url, request.POST, signature)


def _twiml(text: str = "") -> HttpResponse:
    response = MessagingResponse()
    if text:
        response.message(text)
    return HttpResponse(str(response), content_type="text/xml; charset=utf-8")


@csrf_exempt
@require_POST
def inbound(request):
    if not signature_valid(request):
        return HttpResponseForbidden("Invalid Twilio signature.")
    sid = request.POST.get("MessageSid") or request.POST.get("SmsSid") or ""
    if not sid:
        return _twiml()
    record = replies.inbound_receive(
        message_sid=sid[:64],
        from_number=request.POST.get("From", ""),
        body=request.POST.get("Body", ""),
        opt_out_type=request.POST.get("OptOutType", ""),
    )
    return _twiml(record.reply)


@csrf_exempt
@require_POST
def status(request):
    if not signature_valid(request):
        return HttpResponseForbidden("Invalid Twilio signature.")
    services.status_callback_record(params=request.POST.dict())
    return _twiml()
