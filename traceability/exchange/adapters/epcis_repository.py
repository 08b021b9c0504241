"""Any EPCIS 2.0 repository, through its REST binding (ours, or another one that speaks EPCIS 2.0).

Options (`EXCHANGE_SYSTEMS[name]`): `url` (the repository's EPCIS base, `http://host/api/epcis`),
`token` (sent as `Authorization: Bearer …`), `timeout` (seconds per request, default 10),
`poll_attempts` / `poll_interval` (how long to follow a capture job, default 20 × 0.5 s),
`per_page` (events per query page, default 500), `max_pages` (per query, default 200).

- `push_events`: our stored events (their documents as stored, with their contexts) as
  EPCISDocuments `POST`ed to `{url}/capture` with `GS1-Capture-Error-Behaviour: proceed`, in chunks
  of the repository's `GS1-EPCIS-Capture-Limit` (read from `OPTIONS {url}/capture`, else from
  `GET {url}`; 500 when neither says). The capture job behind `Location` is followed until it has
  finished; its errors name the events they are about (`instance` `/epcisBody/eventList/3/…`), its
  counts say how many were new. When a chunk was partly new, the events recorded since the job began
  (`EQ_eventID` and `GE_recordTime`) are the stored ones, the others were duplicates.
- `pull_status(products)`: `GET {url}/events` for each product's GTIN, once for its instances
  (`MATCH_anyEPC=urn:epc:idpat:sgtin:{12 digits}.{indicator}.*`: with a 12-digit company prefix the
  pattern names exactly one GTIN) and once for its classes and lots (`MATCH_anyEPCClass=
  urn:epc:idpat:sgtin:{12 digits}.*.*`, keeping only this GTIN), following `Link rel="next"`. A
  remote repository is untrusted: every event is checked with `traceability.events.validation`
  before `store.store_events(..., source="remote")`.
- `export_product(product)`: pushes the product's events (`documents.product_events`).

Network errors and refusals become "failed" results with the reason; nothing escapes as an
exception to the user.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from urllib.parse import urljoin

import requests
from flask_babel import gettext as _
from sqlalchemy import select

from core.extensions import db
from traceability.events import documents, store, validation
from traceability.events.capture import context_extras
from traceability.events.identifiers import key_of
from traceability.events.models import TraceEvent
from traceability.exchange.adapters.base import Adapter, AdapterError, ItemResult

DEFAULT_CAPTURE_LIMIT = 500
LIMIT_HEADER = "GS1-EPCIS-Capture-Limit"
# An error's instance names the event it is about: /epcisBody/eventList/3/bizStep.
_EVENT_INDEX = re.compile(r"/eventList/(\d+)(?:/|$)")
# Event ids per lookup query (they travel in the URL).
_IDS_PER_LOOKUP = 40


def _reason(exc: Exception) -> str:
    """A network error in one line (requests' messages repeat the URL and nest the cause)."""
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text[:200]}" if text else type(exc).__name__


def _problem_text(response: requests.Response) -> str:
    """What a refusal says: the problem JSON's detail or title, else the status."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and (body.get("detail") or body.get("title")):
        return f"HTTP {response.status_code}: {body.get('detail') or body.get('title')}"
    return f"HTTP {response.status_code} {response.reason or ''}".strip()


class EpcisRepository(Adapter):
    kind = "epcis_repository"

    def __init__(self, name, options):
        super().__init__(name, options)
        url = str(self.options.get("url") or "").strip()
        if not url.startswith(("http://", "https://")):
            raise AdapterError(
                _("System %(name)s: set its EPCIS url (http://host/api/epcis).", name=name)
            )
        self.url = url.rstrip("/")
        self.timeout = float(self.options.get("timeout", 10))
        self.poll_attempts = int(self.options.get("poll_attempts", 20))
        self.poll_interval = float(self.options.get("poll_interval", 0.5))
        self.per_page = int(self.options.get("per_page", 500))
        self.max_pages = int(self.options.get("max_pages", 200))
        self.http = requests.Session()
        self.http.headers["Accept"] = "application/json"
        if self.options.get("token"):
            self.http.headers["Authorization"] = f"Bearer {self.options['token']}"

    def describe(self) -> str:
        return f"{self.kind} {self.url}"

    def _get(self, url: str, **kw) -> requests.Response:
        return self.http.get(url, timeout=self.timeout, **kw)

    # Push ---------------------------------------------------------------------------------

    def capture_limit(self) -> int:
        """The events per capture the repository takes (its GS1-EPCIS-Capture-Limit)."""
        for method, url in (("OPTIONS", f"{self.url}/capture"), ("GET", self.url)):
            try:
                response = self.http.request(method, url, timeout=self.timeout)
            except requests.RequestException:
                return DEFAULT_CAPTURE_LIMIT  # the capture itself will say what is wrong
            value = response.headers.get(LIMIT_HEADER, "").strip()
            if value.isdigit() and int(value) > 0:
                return int(value)
        return DEFAULT_CAPTURE_LIMIT

    def push_events(self, events: Iterable[TraceEvent]) -> list[ItemResult]:
        events = list(events)
        if not events:
            return []
        limit = self.capture_limit()
        results: list[ItemResult] = []
        for start in range(0, len(events), limit):
            results += self._push_chunk(events[start : start + limit])
        return results

    def export_product(self, product) -> list[ItemResult]:
        events = list(db.session.scalars(documents.product_events(product)))
        if not events:
            return [ItemResult(product.gtin, "unchanged", _("This product has no trace events."))]
        return self.push_events(events)

    def _push_chunk(self, events: list[TraceEvent]) -> list[ItemResult]:
        ids = [event.event_id for event in events]
        document = documents.epcis_document(events)
        try:
            response = self.http.post(
                f"{self.url}/capture",
                json=document,
                headers={"GS1-Capture-Error-Behaviour": "proceed"},
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            return [ItemResult(i, "failed", _reason(exc)) for i in ids]
        if response.status_code in (400, 403, 413):
            return self._refused(ids, response)
        if response.status_code != 202 or not response.headers.get("Location"):
            return [ItemResult(i, "failed", _problem_text(response)) for i in ids]
        location = urljoin(response.url, response.headers["Location"])
        try:
            job = self._finished_job(location)
        except (requests.RequestException, ValueError) as exc:
            return [ItemResult(i, "failed", _reason(exc), location) for i in ids]
        if job is None:
            detail = _(
                "The capture job was still running after %(count)s checks: look at it later.",
                count=self.poll_attempts,
            )
            return [ItemResult(i, "failed", detail, location) for i in ids]
        return self._job_results(ids, job, location)

    def _finished_job(self, location: str) -> dict | None:
        """The capture job behind `Location` once it has finished (None: still running after
        `poll_attempts` reads). Read even when the 202 answer carries the job: the standard
        gives the job's state at its Location only."""
        for attempt in range(max(1, self.poll_attempts)):
            if attempt:
                time.sleep(self.poll_interval)
            answer = self._get(location)
            answer.raise_for_status()
            job = answer.json()
            if isinstance(job, dict) and job.get("running") is False:
                return job
        return None

    def _errors_by_event(self, errors: list) -> tuple[dict[int, str], list[str]]:
        """Each event's first error, and the errors that name no event."""
        by_event: dict[int, str] = {}
        general: list[str] = []
        for error in errors or ():
            if not isinstance(error, dict):
                continue
            text = str(error.get("detail") or error.get("title") or error.get("type") or "")
            match = _EVENT_INDEX.search(str(error.get("instance") or ""))
            if match:
                by_event.setdefault(int(match.group(1)), text)
            else:
                general.append(text)
        return by_event, general

    def _refused(self, ids: list[str], response: requests.Response) -> list[ItemResult]:
        try:
            body = response.json()
        except ValueError:
            body = {}
        body = body if isinstance(body, dict) else {}
        by_event, general = self._errors_by_event(body.get("errors") or [])
        reference = body.get("captureID")
        other = "; ".join(general) or _(
            "Not stored: the repository refused the document (%(reason)s).",
            reason=_problem_text(response),
        )
        return [
            ItemResult(event_id, "failed", by_event.get(index, other), reference)
            for index, event_id in enumerate(ids)
        ]

    def _job_results(self, ids: list[str], job: dict, location: str) -> list[ItemResult]:
        by_event, general = self._errors_by_event(job.get("errors") or [])
        good = [i for index, i in enumerate(ids) if index not in by_event]
        stored_count = int(job.get("storedCount") or 0)
        duplicate_count = int(job.get("duplicateCount") or 0)
        if general and not stored_count and not duplicate_count:
            by_event |= {index: "; ".join(general) for index in range(len(ids))}
            good = []
        if duplicate_count == 0 and stored_count == len(good):
            stored = set(good)
        elif stored_count == 0 and duplicate_count == len(good):
            stored = set()
        else:
            try:
                stored = self._recorded_since(good, job.get("createdAt"))
            except requests.RequestException as exc:
                detail = _(
                    "Sent, but whether it was new could not be read back (%(reason)s).",
                    reason=_reason(exc),
                )
                return [
                    ItemResult(i, "failed", by_event.get(n, detail), location)
                    for n, i in enumerate(ids)
                ]
        results = []
        for index, event_id in enumerate(ids):
            if index in by_event:
                results.append(ItemResult(event_id, "failed", by_event[index], location))
            elif event_id in stored:
                results.append(ItemResult(event_id, "stored", "", location))
            else:
                results.append(
                    ItemResult(event_id, "duplicate", _("The repository had it already."), location)
                )
        return results

    def _recorded_since(self, ids: list[str], since: str | None) -> set[str]:
        """Which of these events the repository recorded since the capture job began."""
        found: set[str] = set()
        for start in range(0, len(ids), _IDS_PER_LOOKUP):
            params = {"EQ_eventID": "|".join(ids[start : start + _IDS_PER_LOOKUP])}
            if since:
                params["GE_recordTime"] = since
            for document in self._pages(f"{self.url}/events", params):
                found |= {e.get("eventID") for e in _event_list(document)}
        return found

    # Pull ---------------------------------------------------------------------------------

    def _pages(self, url: str, params: dict | None):
        """The documents of a query, following `Link rel="next"` (at most `max_pages`)."""
        for _page in range(self.max_pages):
            response = self._get(url, params=params)
            if response.status_code != 200:
                raise requests.HTTPError(_problem_text(response), response=response)
            yield response.json()
            following = response.links.get("next", {}).get("url")
            if not following:
                return
            url, params = urljoin(response.url, following), None

    def _remote_events(self, gtin: str) -> list[tuple[dict, list | None]]:
        """(event, its context) of every event the repository has about one GTIN."""
        digits = gtin.rjust(14, "0")
        base = f"urn:epc:idpat:sgtin:{digits[1:13]}"
        queries = (
            {"MATCH_anyEPC": f"{base}.{digits[0]}.*"},
            {"MATCH_anyEPCClass": f"{base}.*.*"},
        )
        found: dict[str, tuple[dict, list | None]] = {}
        for params in queries:
            params = params | {"perPage": str(self.per_page)}
            for document in self._pages(f"{self.url}/events", params):
                extras = context_extras((document or {}).get("@context"))
                for event in _event_list(document):
                    if not isinstance(event, dict) or not _names_gtin(event, gtin):
                        continue
                    key = str(event.get("eventID") or len(found))
                    context = context_extras(event.get("@context")) + extras
                    found.setdefault(key, (event, context or None))
        return list(found.values())

    def pull_status(self, products) -> list[ItemResult]:
        results: list[ItemResult] = []
        for product in products:
            try:
                pairs = self._remote_events(product.gtin)
            except (requests.RequestException, ValueError) as exc:
                results.append(ItemResult(product.gtin, "failed", _reason(exc)))
                continue
            results += self._store_pulled(product, pairs)
        return results

    def _store_pulled(self, product, pairs) -> list[ItemResult]:
        good: list[tuple[dict, list | None]] = []
        results: list[ItemResult | None] = []
        for index, (event, context) in enumerate(pairs):
            label = str(event.get("eventID") or f"{product.gtin}#{index}")
            problems = validation.validate_event(event, "", None, in_document=True)
            if problems:
                detail = "; ".join(str(p.get("detail") or p.get("title")) for p in problems[:3])
                results.append(ItemResult(label, "failed", detail))
            else:
                good.append((event, context))
                results.append(None)
        stored: list[store.Stored] = []
        if good:
            savepoint = db.session.begin_nested()
            try:
                stored = store.store_events(
                    good, user=None, source="remote", producer_id=product.producer_id
                )
            except Exception as exc:  # this product's events only; the others are kept
                savepoint.rollback()
                detail = _("Not stored here (%(reason)s).", reason=type(exc).__name__)
                failed = [ItemResult(str(e.get("eventID")), "failed", detail) for e, _c in good]
                return [r for r in results if r is not None] + failed
            savepoint.commit()
        outcomes = iter(zip(good, stored, strict=True))
        final = []
        for result in results:
            if result is not None:
                final.append(result)
                continue
            _pair, done = next(outcomes)
            event_id = db.session.scalar(
                select(TraceEvent.event_id).where(TraceEvent.id == done.pk)
            )
            if done.created:
                final.append(ItemResult(event_id, "stored", product.gtin, self.url))
            else:
                final.append(ItemResult(event_id, "duplicate", _("Already stored here."), self.url))
        return final


def _event_list(document) -> list:
    """The events of an EPCISQueryDocument (or of an EPCISDocument)."""
    if not isinstance(document, dict):
        return []
    body = document.get("epcisBody") or {}
    if "queryResults" in body:
        body = (body.get("queryResults") or {}).get("resultsBody") or {}
    events = body.get("eventList")
    return events if isinstance(events, list) else []


def _names_gtin(event: dict, gtin: str) -> bool:
    """Whether an event names this GTIN in any of its lists (an instance, its class or a lot)."""
    try:
        named = list(store.listed_identifiers(event))
    except (TypeError, AttributeError):  # lists that are no lists: not an event about anything
        return False
    return any(
        (key := key_of(value) if isinstance(value, str) else None) is not None and key.gtin == gtin
        for _role, value in named
    )
