"""An invitation's last uses under real concurrency: PostgreSQL, one connection per thread,
a Barrier. The row lock in invite_redeem means a code for N people admits exactly N."""

import threading

import pytest
from django.db import close_old_connections, connection

from sessions_app import services
from sessions_app.errors import NotAllowed
from sessions_app.models import GroupInvite, Membership, SupportGroup
from tests.factories import GroupFactory, UserFactory, facilitator

PEOPLE = 20
USES = 5


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_people_at_once_on_a_code_for_five():
    assert connection.vendor == "postgresql"
    group = GroupFactory(join_policy=SupportGroup.JoinPolicy.INVITE)
    invite = services.invite_create(group=group, by=facilitator(group), max_uses=USES)
    users = [UserFactory() for _ in range(PEOPLE)]
    barrier = threading.Barrier(PEOPLE)
    refused, errors = [], []

    def go(person):
        try:
            barrier.wait(timeout=30)
            services.membership_join(group=group, user=person, invite_token=invite.token)
        except NotAllowed as exc:
            refused.append(exc.code)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=go, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    close_old_connections()
    assert errors == []
    assert refused == ["invite_expired"] * (PEOPLE - USES)
    assert Membership.objects.filter(group=group, status="approved").count() == USES
    assert GroupInvite.objects.get(pk=invite.pk).use_count == USES
