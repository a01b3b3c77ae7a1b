"""``satustok upload template KIND FILE`` writes a kind's template (XLSX);
``satustok upload KIND FILE [--confirm] [--json]`` previews a filled-in copy — counts, every
problem with its row and column, the first changes — and asks nothing. With ``--confirm`` the
changes are written at once when the file has no problems.

Kinds: ``stock``, ``masters``, ``links``. Exit codes: 0 done (previewed; with ``--confirm``,
written — or nothing to write); 2 the file was refused (not a readable table); 3 the file has
problems, or the data changed between the preview and the confirmation (stale): nothing
written; 4 the upload could not be confirmed otherwise. The command line acts as the Owner:
the ledger names no user, the activity log the operating-system user.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.formats import number_format

from satustok.cli.output import print_json
from satustok.core.sheet_reading import SheetRefused
from satustok.uploads import service
from satustok.uploads.kinds import KIND_CLASSES
from satustok.uploads.models import Upload
from satustok.uploads.plans import Stale

REFUSED, HAS_PROBLEMS, NOT_APPLIED = 2, 3, 4
CHANGES_SHOWN = 20


class Command(BaseCommand):
    help = "Spreadsheets in: write a template, or preview (and --confirm) a filled-in file."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="what", required=True)
        template = commands.add_parser("template", help="write a kind's template (XLSX)")
        template.add_argument("kind", choices=list(KIND_CLASSES))
        template.add_argument("file", type=Path, help="where to write it (.xlsx)")
        for kind in KIND_CLASSES:
            sub = commands.add_parser(kind, help=f"preview a filled-in {kind} template")
            sub.add_argument("file", type=Path, help="the XLSX or CSV to read")
            sub.add_argument(
                "--confirm", action="store_true", help="write it if it has no problems"
            )
            sub.add_argument("--json", action="store_true", help="one JSON document")
            sub.add_argument(
                "--changes", type=int, default=CHANGES_SHOWN, help="how many changes to list"
            )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["what"] == "template":
            self._template(options["kind"], options["file"])
        else:
            self._upload(options["what"], options["file"], options)

    def _template(self, kind: str, file: Path) -> None:
        data = service.template(kind, None)
        try:
            file.write_bytes(data)
        except OSError as error:  # no such folder, no permission, a full disk
            raise CommandError(f"{file}: {error.strerror}", returncode=REFUSED) from None
        self.stdout.write(f"{file}: {kind} template, {number_format(len(data))} bytes")

    def _upload(self, kind: str, file: Path, options: dict[str, Any]) -> None:
        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(f"{file}: {error.strerror}", returncode=REFUSED) from None
        try:
            upload = service.preview(kind, file.name, data, None)
        except SheetRefused as refused:
            self._refused(refused, options["json"])
        written = self._confirm(upload, options) if options["confirm"] else None
        self._report(upload, written, options)
        if upload.error_count:
            raise CommandError(
                f"{upload.error_count} problems: nothing written.", returncode=HAS_PROBLEMS
            )

    def _refused(self, refused: SheetRefused, as_json: bool) -> None:
        if as_json:
            print_json(
                {
                    "error": {
                        "code": "file_refused",
                        "reason": refused.code,
                        "detail": refused.message,
                    }
                }
            )
        raise CommandError(refused.message, returncode=REFUSED)

    def _confirm(self, upload: Upload, options: dict[str, Any]) -> int | None:
        if upload.error_count or not upload.change_count:
            return None
        try:
            return service.confirm(upload, None)
        except Stale:
            upload.refresh_from_db()  # the new problems are on it: reported, then exit 3
            return None
        except service.UploadRefused as refused:
            self._report(upload, None, options)
            raise CommandError(refused.message, returncode=NOT_APPLIED) from None

    def _report(self, upload: Upload, written: int | None, options: dict[str, Any]) -> None:
        plan = service.plan_of(upload)
        changes = plan.changes[: max(0, options["changes"])]
        if options["json"]:
            print_json(service.document(upload, plan, changes_shown=len(changes)))
            return
        summary = service.summary(upload, plan)
        out = self.stdout.write
        by_action = ", ".join(
            f"{name} {count}" for name, count in sorted(summary.by_action.items())
        )
        out(
            f"{upload.kind} upload #{upload.pk} ({upload.reference}) of {upload.file_name}: "
            f"rows {summary.rows} · changes {summary.changes} ({by_action or 'none'}) · "
            f"unchanged {summary.unchanged} · problems {summary.problems}"
        )
        if summary.stale:
            out("The data changed since the preview; these rows no longer apply:")
        for problem in summary.described:
            where = f"row {problem['row']}" if problem["row"] else "file"
            column = f", column {problem['column']}" if problem["column"] else ""
            out(f"  {where}{column}: {problem['message']}")
        for change in changes:
            out(
                f"  row {change.row}: {change.action} {change.target}  "
                f"{_shown(change.before)} → {_shown(change.after)}"
            )
        if len(plan.changes) > len(changes):
            out(f"  … and {len(plan.changes) - len(changes)} more changes")
        self._verdict(upload, summary, written)

    def _verdict(self, upload: Upload, summary: service.Summary, written: int | None) -> None:
        if written is not None:
            self.stdout.write(f"Applied: changes written {written} ({upload.reference}).")
        elif summary.can_confirm:
            self.stdout.write("Nothing written. Add --confirm to write these changes.")
        elif not summary.problems and not summary.changes:
            self.stdout.write("The file changes nothing; nothing written.")


def _shown(value: object) -> str:
    return "—" if value is None else str(value)
