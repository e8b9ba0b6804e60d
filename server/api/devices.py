"""Which of a center's devices are connected now (server/presence.py): for the consoles, the
admin page and the leader's view. A read of memory and the device list, no event."""

from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy import select
from sqlmodel import Session, col

from server.api.answers import PERMITTED, answers
from server.api.deps import ApiId, DbDep
from server.api.security import OperateCounter, guard_center
from server.models import Device, DeviceKind
from server.presence import Presence

router = APIRouter(tags=["devices"], responses=PERMITTED)


class DevicePresenceOut(BaseModel):
    id: int
    name: str
    kind: DeviceKind
    online: bool
    connections: int  # open event streams (a display shown on several screens has several)
    # Since when it has been connected, or gone; None if this server has not seen it since it
    # started (then last_seen_at says when it was seen before).
    since: datetime | None
    last_seen_at: datetime | None


def presence_out(presence: Presence, device: Device) -> DevicePresenceOut:
    seen = presence.of(device.id)  # type: ignore[arg-type]
    return DevicePresenceOut(
        id=device.id,  # type: ignore[arg-type]
        name=device.name,
        kind=device.kind,
        online=seen is not None and seen.online,
        connections=0 if seen is None else seen.connections,
        since=None if seen is None else seen.since,
        last_seen_at=device.last_seen_at,
    )


@router.get("/centers/{center_id}/devices/presence", responses=answers(404))
async def device_presence(center_id: ApiId, request: Request, db: DbDep, principal: OperateCounter) -> list[DevicePresenceOut]:
    """The center's active kiosks, displays and print agents: connected or not, and since when.
    For staff, leaders and admins (who operate counters); devices do not read each other."""
    guard_center(principal, center_id)
    presence: Presence = request.app.state.presence

    def read(session: Session) -> list[DevicePresenceOut]:
        rows = session.execute(
            select(Device).where(Device.center_id == center_id, col(Device.active)).order_by(col(Device.id))
        ).scalars()
        return [presence_out(presence, device) for device in rows]

    return await db.reading(read)
