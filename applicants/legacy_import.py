"""The legacy import (旧平台申请人及其申请), set-based (`certification.bulk_import`).

One row = one applicant and one application. Applicants are matched by e-mail, then by ID number, and the
application by (applicant, campaign code), so importing the same file again changes nothing. A bad row is
reported with its column and imports nothing; the good rows of its chunk import.

Per chunk: campaigns and provinces once (kept for the whole file), then users by e-mail, profiles by ID number
and by user, the users' applications, and applications holding the file's numbers: six queries whatever the
chunk's size. Rows are validated in Python against those (field validators, the one-application-per-campaign,
one-level-per-year and unique-number rules, including against earlier rows of the same chunk), and written
with bulk_create / bulk_update plus one audit row per created or changed application, in bulk. Checks that depend
only on a value (mobile numbers, times, the model fields' validators) run once per distinct value of the chunk.
"""

import copy
import secrets
from collections.abc import Sequence

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone

from certification import idcard
from certification.bulk_import import RowInvalid, SetBasedImporter, ValueChecks
from certification.models import Campaign, Province, Role
from certification.workflow import audit_bulk

from .models import ApplicantProfile, Application
from .resources import COL, ApplicationNumberWidget, ShanghaiDateTimeWidget, StatusWidget

IMPORT_ACTION = "applicants.application.imported"  # a stable audit code (applicants/logcodes.py)
PROFILE_COLUMNS = {"full_name": COL["full_name"], "mobile": COL["mobile"], "employer": COL["employer"],
                   "email": COL["email"], "id_number": COL["id_number"], "province": COL["province"]}
APPLICATION_COLUMNS = {"number": COL["number"], "status": COL["status"], "submitted_at": COL["submitted_at"]}
PROFILE_UPDATE_FIELDS = ["full_name", "email", "mobile", "employer", "province", "id_number", "birth_date", "gender"]
APPLICATION_UPDATE_FIELDS = ["number", "status", "submitted_at", "updated_at"]

_status, _number, _when = StatusWidget(), ApplicationNumberWidget(), ShanghaiDateTimeWidget()


def _text(row, key) -> str:
    value = row.get(COL[key])
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():  # spreadsheets turn numbers into floats
        value = int(value)
    return str(value).strip()


User = get_user_model()
# The fields the import sets, checked with their model validators (references are resolved by prefetch).
PROFILE_CHECKED = ("full_name", "email", "mobile", "employer", "id_number", "birth_date", "gender")
USER_CHECKED = ("email", "full_name", "mobile")
APPLICATION_CHECKED = ("number", "status", "submitted_at")
_CLEANERS = (("number", _number.clean), ("status", _status.clean), ("submitted_at", _when.clean))


def _field_errors(checks: ValueChecks, instance, names, columns):
    errors = checks.field_errors(type(instance), {name: getattr(instance, name) for name in names})
    if errors:
        raise RowInvalid({columns.get(name, name): messages for name, messages in errors.items()})


def _user_key(user):
    """A saved user is its pk; one planned earlier in the chunk (no pk yet) is that very object."""
    return user.pk if user.pk else ("new", id(user))


class LegacyApplicationImporter(SetBasedImporter):
    def __init__(self, *, file_name: str = ""):
        self.file_name = file_name
        self.campaigns: dict[str, Campaign] = {}
        self.provinces: dict[str, Province] = {}
        self.reset()

    def reset(self):
        self.parsed_ids = {}
        self.users_by_email = {}
        self.profiles_by_user = {}
        self.profiles_by_id_number = {}
        self.apps_by_key = {}  # (applicant key, campaign pk) -> Application
        self.active_years = {}  # (applicant key, year) -> application key holding it
        self.numbers = {}  # number -> application key
        self.new_users, self.new_profiles, self.new_apps = [], [], []
        self.changed_profiles, self.changed_apps = {}, {}
        self.audits = []
        self.checks = ValueChecks()

    # -- once per chunk ------------------------------------------------------------------------------------
    def prefetch(self, rows: Sequence[dict]):
        slugs = {_text(r, "campaign") for r in rows} - set(self.campaigns) - {""}
        if slugs:
            self.campaigns.update({c.slug: c for c in Campaign.objects.filter(slug__in=slugs)})
        codes = {_text(r, "province") for r in rows} - set(self.provinces) - {""}
        if codes:
            self.provinces.update({p.code: p for p in Province.objects.filter(code__in=codes)})
        emails = {_text(r, "email").lower() for r in rows} - {""}
        self.users_by_email = {u.email: u for u in User.objects.filter(email__in=emails)}
        id_numbers = set()
        self.parsed_ids = {}  # the text as given -> IdentityInfo or the ValidationError, parsed once per chunk
        today = timezone.localdate()
        for r in rows:
            text = _text(r, "id_number")
            if text and text not in self.parsed_ids:
                try:
                    self.parsed_ids[text] = idcard.parse_id_number(text, today=today)
                    id_numbers.add(self.parsed_ids[text].number)
                except ValidationError as exc:
                    self.parsed_ids[text] = exc
        for p in ApplicantProfile.objects.filter(id_number__in=id_numbers).select_related("user"):
            self.profiles_by_id_number[p.id_number] = p
            self.profiles_by_user[p.user_id] = p
        user_ids = {u.pk for u in self.users_by_email.values()}
        user_ids |= {p.user_id for p in self.profiles_by_id_number.values()}
        for p in ApplicantProfile.objects.filter(user_id__in=user_ids - set(self.profiles_by_user)):
            self.profiles_by_user[p.user_id] = p
        numbers = set()
        for r in rows:
            try:
                numbers.add(self.checks.run(_number.clean, r.get(COL["number"])))
            except ValueError:
                pass
        apps = Application.objects.filter(applicant_id__in=user_ids) | Application.objects.filter(
            number__in=numbers - {None})
        for a in apps.only("pk", "applicant_id", "campaign_id", "year", "status", "number", "submitted_at"):
            self._index_application(a, applicant_key=a.applicant_id)

    def _index_application(self, app, *, applicant_key):
        key = ("pk", app.pk) if app.pk else ("new", id(app))
        self.apps_by_key[(applicant_key, app.campaign_id)] = app
        if app.status != Application.Status.WITHDRAWN:
            self.active_years.setdefault((applicant_key, app.year), key)
        if app.number:
            self.numbers[app.number] = key

    # -- per row, in Python --------------------------------------------------------------------------------
    def plan_row(self, number: int, row: dict) -> str:
        errors = {}
        email = _text(row, "email").lower()
        try:
            self.checks.run(validate_email, email)  # memoized: the e-mail fields' own check reuses it
        except ValidationError:
            errors[COL["email"]] = f"电子邮箱“{email}”格式不正确。"
        id_info = self.parsed_ids.get(_text(row, "id_number"))
        if isinstance(id_info, ValidationError):
            errors[COL["id_number"]] = id_info.messages
            id_info = None
        mobile = idcard.normalize_mobile(_text(row, "mobile"))
        if mobile:
            try:
                self.checks.run(idcard.validate_mainland_mobile, mobile)
            except ValidationError as exc:
                errors[COL["mobile"]] = exc.messages
        full_name = _text(row, "full_name")
        if not full_name:
            errors[COL["full_name"]] = "姓名不能为空。"
        campaign = self.campaigns.get(_text(row, "campaign"))
        if campaign is None:
            errors[COL["campaign"]] = f"没有代码为“{_text(row, 'campaign')}”的认证活动。"
        province = None
        if _text(row, "province"):
            province = self.provinces.get(_text(row, "province"))
            if province is None:
                errors[COL["province"]] = f"没有代码为“{_text(row, 'province')}”的省份。"
        values = {}
        for key, clean in _CLEANERS:
            try:
                values[key] = self.checks.run(clean, row.get(COL[key]))
            except ValueError as exc:
                errors[COL[key]] = [str(exc)]
        if errors:
            raise RowInvalid(errors)

        # The applicant: by e-mail, then by ID number; else a new account (they set a password via 忘记密码).
        user = self.users_by_email.get(email)
        if user is None and id_info and id_info.number in self.profiles_by_id_number:
            user = self.profiles_by_id_number[id_info.number].user
        new_user = user is None
        if new_user:
            # Unusable as `set_unusable_password()` makes it, with one random draw instead of forty.
            user = User(email=email, role=Role.APPLICANT, full_name=full_name, mobile=mobile, email_verified=True,
                        password=UNUSABLE_PASSWORD_PREFIX + secrets.token_hex(20))
        elif user.role != Role.APPLICANT:
            raise RowInvalid({COL["email"]: "该邮箱属于工作人员账号，不能作为申请人导入。"})
        user_key = _user_key(user)

        existing_profile = self.profiles_by_user.get(user_key)
        profile = copy.copy(existing_profile) if existing_profile else ApplicantProfile(user=user, full_name=full_name)
        if id_info:
            holder = self.profiles_by_id_number.get(id_info.number)
            if holder is not None and _user_key(holder.user) != user_key:
                raise RowInvalid({COL["id_number"]: "该身份证号码已属于另一位申请人。"})
        profile.full_name = full_name
        profile.email = profile.email or email
        profile.mobile = mobile or profile.mobile
        profile.employer = _text(row, "employer") or profile.employer
        profile.province = province or profile.province
        if id_info:
            profile.id_number, profile.birth_date, profile.gender = id_info.number, id_info.birth_date, id_info.gender
        # Field validators of what the import sets, as clean_fields() would run them (no database lookups:
        # references were resolved above).
        _field_errors(self.checks, profile, PROFILE_CHECKED, PROFILE_COLUMNS)
        if new_user:
            _field_errors(self.checks, user, USER_CHECKED, PROFILE_COLUMNS)

        # The application: by (applicant, campaign).
        app = self.apps_by_key.get((user_key, campaign.pk))
        kind = "new" if app is None else "update"
        if app is None:
            app = Application(applicant=user, campaign=campaign, level=campaign.level, year=campaign.year)
        elif (app.number, app.status, app.submitted_at) == (values["number"], values["status"],
                                                            values["submitted_at"]):
            kind = "skip"
        if kind != "skip":
            if app.pk:
                app = copy.copy(app)  # the prefetched one stays as read until the chunk is written
            before = app.status
            app.number, app.status, app.submitted_at = values["number"], values["status"], values["submitted_at"]
            app.updated_at = timezone.now()  # bulk_update does not apply auto_now
            app_key = ("pk", app.pk) if app.pk else ("new", id(app))
            if app.number and self.numbers.get(app.number, app_key) != app_key:
                raise RowInvalid({COL["number"]: f"申报编号“{app.number}”已被另一份申请使用。"})
            if app.status != Application.Status.WITHDRAWN and \
                    self.active_years.get((user_key, app.year), app_key) != app_key:
                raise RowInvalid({"": ["同一认证年度只能申报一个级别。"]})
            _field_errors(self.checks, app, APPLICATION_CHECKED, APPLICATION_COLUMNS)

        # The row is good: its plan becomes part of the chunk's.
        if new_user:
            self.new_users.append(user)
            self.users_by_email[email] = user
        if existing_profile is None:
            self.new_profiles.append(profile)
        else:
            if existing_profile in self.new_profiles:
                self.new_profiles[self.new_profiles.index(existing_profile)] = profile
            elif self._profile_changed(existing_profile, profile):
                self.changed_profiles[profile.pk] = profile
        self.profiles_by_user[user_key] = profile
        if profile.id_number:
            self.profiles_by_id_number[profile.id_number] = profile
        if kind != "skip":
            if app.pk:
                self.changed_apps[app.pk] = app
                self.audits.append({"subject": app, "action": IMPORT_ACTION, "from_state": before,
                                    "to_state": app.status, "reason": f"导入文件：{self.file_name}"})
            else:
                self.new_apps.append(app)
            self._index_application(app, applicant_key=user_key)
        return kind

    @staticmethod
    def _profile_changed(old, new) -> bool:
        return any(getattr(old, f if f != "province" else "province_id") !=
                   getattr(new, f if f != "province" else "province_id") for f in PROFILE_UPDATE_FIELDS)

    # -- once per chunk, in bulk ---------------------------------------------------------------------------
    def write(self, *, actor):
        # bulk_create fills each new profile's and application's user_id from the user the bulk insert just
        # saved (Django's _prepare_related_fields_for_save), so no loop re-assigns them.
        User.objects.bulk_create(self.new_users)
        ApplicantProfile.objects.bulk_create(self.new_profiles)
        if self.changed_profiles:
            ApplicantProfile.objects.bulk_update(list(self.changed_profiles.values()), PROFILE_UPDATE_FIELDS)
        Application.objects.bulk_create(self.new_apps)
        if self.changed_apps:
            Application.objects.bulk_update(list(self.changed_apps.values()), APPLICATION_UPDATE_FIELDS)
        # Imported state is the legacy platform's record, not a transition here; the audit says so.
        audit_bulk(actor=actor, entries=self.audits + [
            {"subject": app, "action": IMPORT_ACTION, "to_state": app.status,
             "reason": f"导入文件：{self.file_name}"} for app in self.new_apps])
