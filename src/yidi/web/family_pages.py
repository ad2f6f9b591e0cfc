"""Pages of family links (我的家人) for the insured person: ask a relative, answer a request, end a link.

The same services as `/api/v1/me/relatives`. Asking shows one sentence whatever was found (the service
never says whether the ID number and name belong to anyone); the list shows only links the relative has
answered. A confirmed relative then appears as a choice on the filing form (yidi.web.person_pages).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from yidi.domain import bounds as B
from yidi.domain.error_catalogue import error
from yidi.domain.errors import YidiError
from yidi.domain.family import Relationship
from yidi.domain.validation import validate_model
from yidi.services import family
from yidi.web.auth import Who
from yidi.web.common import ctx_of, error_page, form_dict, lang, page, problems, redirect
from yidi.web.labels import choices

router = APIRouter(include_in_schema=False)
ACTIONS = {"confirm": family.confirm, "decline": family.decline}
DONE = ("sent", "confirm", "decline", "revoke")


def _page(request: Request, who: Who, status: int = 200, **more: object) -> Response:
    mine = family.my_family(ctx_of(request), who)
    return page(request, "person/relatives.html", status=status, mine=mine,
                relationships=choices("relationship", Relationship, lang(request)),
                **{"values": {}, "problems": {}, "done": "", **more})


@router.get("/me/relatives", response_class=Response)
def relatives(request: Request, who: Who, done: str = "") -> Response:
    return _page(request, who, done=done if done in DONE else "")


@router.post("/me/relatives", response_class=Response)
async def ask(request: Request, who: Who) -> Response:
    values = form_dict(await request.form())
    try:
        body = validate_model(family.LinkRequestIn, {k: values[k] for k in ("id_number", "name", "relationship") if k in values})
        family.request_link(ctx_of(request), who, body.id_number, body.name, body.relationship)
    except YidiError as err:
        return _page(request, who, status=err.status, values=values, problems=problems(err))
    return redirect("/me/relatives?done=sent")


@router.post("/me/relatives/{link_id}/{action}", response_class=Response)
def answer(request: Request, who: Who, link_id: str, action: str, reason: Annotated[str, Form()] = "") -> Response:
    try:
        if action == "revoke":
            family.revoke(ctx_of(request), who, link_id, reason.strip()[:B.REASON])
        elif action in ACTIONS:
            ACTIONS[action](ctx_of(request), who, link_id)
        else:
            raise error("FIELD_CHOICE", detail_zh="没有这个操作", detail_en="no such action", field="action",
                        status=404)
    except YidiError as err:
        if err.status == 404:
            return error_page(request, err)
        return _page(request, who, status=err.status, problems=problems(err))
    return redirect(f"/me/relatives?done={action}")
