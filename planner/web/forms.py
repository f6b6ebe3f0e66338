"""WTForms (through Flask-WTF, so every form carries a CSRF token)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import request
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto, _is_submitted
from werkzeug.datastructures import CombinedMultiDict
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    URL,
    DataRequired,
    Email,
    EqualTo,
    InputRequired,
    Length,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from planner.localtime import is_valid_timezone
from planner.models import NETWORKS, Channel, Role
from planner.publishers import PUBLISHERS
from rules.model import CATEGORY_DEFINITIONS, Category
from rules.staffing import StaffedHoursError, parse_staffed


class Form(FlaskForm):
    """A form of the web pages: it reads form fields only. Flask-WTF would also take a JSON
    body as the form's data, with numbers and lists where fields expect text."""

    class Meta:
        def wrap_formdata(self, form: FlaskForm, formdata: Any) -> Any:
            if formdata is _Auto:
                if not _is_submitted():
                    return None
                if request.files:
                    return CombinedMultiDict((request.files, request.form))
                return request.form
            return formdata


def choices(pairs: Iterable[tuple[object, str]]) -> list[SelectChoice]:
    """(value, label) pairs as WTForms 3.3 wants its choices."""
    return [SelectChoice(value, label) for value, label in pairs]  # type: ignore[arg-type]


def channel_choices(channels: Iterable[Channel]) -> list[SelectChoice]:
    """A workspace's channels as choices: "Name (network)"."""
    return choices((c.id, f"{c.name} ({c.network})") for c in channels)


ROLE_CHOICES = choices((r.name, r.name.capitalize()) for r in Role)


class LoginForm(Form):
    email = EmailField("Email", validators=[DataRequired("Enter your email address.")])
    password = PasswordField("Password", validators=[DataRequired("Enter your password.")])


class NewPasswordMixin:
    password = PasswordField(
        "New password",
        validators=[
            DataRequired("Choose a new password."),
            Length(min=8, max=256, message="Use 8 to 256 characters."),
        ],
        description="At least 8 characters; a few unrelated words make a good one.",
    )
    confirm = PasswordField(
        "New password, again",
        validators=[
            DataRequired("Type the new password again."),
            EqualTo("password", "The two new passwords differ."),
        ],
    )


class PasswordChangeForm(NewPasswordMixin, FlaskForm):
    current = PasswordField(
        "Current password", validators=[DataRequired("Enter your current password.")]
    )


class PasswordResetForm(NewPasswordMixin, FlaskForm):
    pass


class WorkspaceForm(Form):
    name = StringField(
        "Name",
        validators=[DataRequired("Give the workspace a name."), Length(max=120)],
        description="Usually the brand's name.",
    )
    timezone = StringField(
        "Timezone",
        validators=[DataRequired("Pick the timezone the team plans in.")],
        default="UTC",
        description="An IANA name such as Europe/Berlin or America/New_York.",
    )
    allow_self_approval = BooleanField(
        "Allow approvers to approve their own posts (for one-person teams)"
    )

    def validate_timezone(self, field: StringField) -> None:
        if not is_valid_timezone(field.data or ""):
            raise ValidationError(f"'{field.data}' is not a timezone we know; try Europe/Berlin.")


class MemberForm(Form):
    email = EmailField(
        "Email",
        validators=[DataRequired("Enter the person's email."), Email("That is not an email.")],
    )
    display_name = StringField("Name (for a new account)", validators=[Optional(), Length(max=120)])
    role = SelectField("Role", choices=ROLE_CHOICES, default="editor")


class RoleForm(Form):
    role = SelectField("Role", choices=ROLE_CHOICES)


class ChannelForm(Form):
    network = SelectField("Network", choices=choices((n, n) for n in NETWORKS))
    name = StringField(
        "Name",
        validators=[DataRequired("Name the channel."), Length(max=80)],
        description="How the team calls it, e.g. 'Mastodon EN'.",
    )
    handle = StringField(
        "Handle",
        validators=[Optional(), Length(max=120)],
        description="The account, e.g. @acme@mastodon.social; Bluesky signs in with it "
        "(acme.bsky.social).",
    )
    publisher_kind = SelectField(
        "Publisher",
        choices=choices((kind, kind) for kind in PUBLISHERS),
        default="outbox",
        description="; ".join(f"{kind} {p.description}" for kind, p in PUBLISHERS.items()) + ".",
    )
    target_url = StringField(
        "Target URL",
        validators=[Optional(), URL(require_tld=False, message="Enter a full http(s) URL.")],
        description="The webhook URL, the Mastodon instance, or the Bluesky server (empty for "
        "https://bsky.social).",
    )
    secret = PasswordField(
        "Secret",
        validators=[Optional(), Length(max=500)],
        description="The webhook signing secret, the Mastodon access token, or a Bluesky app "
        "password (never the account's own password). Write-only: leave empty to keep the "
        "stored one.",
    )
    clear_secret = BooleanField("Remove the stored secret")
    staffed_hours = StringField(
        "Staffed hours",
        validators=[Optional(), Length(max=2000)],
        description="When someone answers replies, in the workspace timezone, e.g. "
        "'Mon-Fri 09:00-17:00; Sat 10:00-12:00'. A question needs staffed time after it that "
        "day (4 hours unless the Rules page says otherwise). Empty: office hours (Mon-Fri "
        "09:00-17:00); 'none': nobody.",
    )

    def validate_staffed_hours(self, field: StringField) -> None:
        try:
            parse_staffed(field.data or "")
        except StaffedHoursError as error:
            # Every bad part at once, each as its own message.
            problems = [f"{problem}." for problem in error.problems]
            field.errors.extend(problems[:-1])
            raise ValidationError(problems[-1]) from error

    def validate(self, extra_validators=None) -> bool:  # type: ignore[no-untyped-def]
        # Not a validate_target_url method: Optional() stops the field's chain on an empty
        # value, inline validators included, so the missing URL would only be named after
        # every other field was right.
        valid = super().validate(extra_validators)
        publisher = PUBLISHERS.get(self.publisher_kind.data or "")
        if publisher is not None and publisher.needs_url and not self.target_url.data:
            self.target_url.errors = [
                *self.target_url.errors,
                f"The {self.publisher_kind.data} publisher needs a URL.",
            ]
            return False
        return valid


CATEGORY_CHOICES = choices(
    (c.value, f"{c.value.capitalize()}: {CATEGORY_DEFINITIONS[c]}") for c in Category
)


class PostFields(Form):
    """What every composer has: text, category, day and time."""

    text = TextAreaField("Text", validators=[DataRequired("Write the text of the post.")])
    # Left empty, the classifier's suggestion is taken when it is sure (the composer shows
    # and pre-selects it); when it is not, the editor is asked to pick.
    category = RadioField("Category", choices=CATEGORY_CHOICES, validators=[Optional()])
    date = DateField("Date", validators=[InputRequired("Enter a date (YYYY-MM-DD).")])
    time = TimeField("Time", validators=[InputRequired("Enter a time (HH:MM).")])
    reply_to = StringField(
        "In reply to",
        validators=[Optional(), Length(max=500)],
        description="An account (@name) or the address of the post it answers. A reply goes "
        "to one person, so the cadence rules leave it out and it counts as care.",
    )
    thread = StringField(
        "Thread",
        validators=[Optional(), Length(max=64)],
        description="A name shared by the parts of one thread on a channel: they count as one "
        "post and are never too close to each other.",
    )


class ComposeForm(PostFields):
    """A new post for one or several channels (a group): the shared text, and per channel an
    optional text of its own (`variant-<channel id>`, read from the request)."""

    channel_ids = SelectMultipleField(
        "Channels",
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[DataRequired("Pick at least one channel.")],
    )
    # One key per composer page: sending the form twice creates one post.
    creation_key = HiddenField(validators=[Optional(), Regexp(r"^[0-9a-f]{32}$")])


class PostForm(PostFields):
    """Editing one post (one channel's variant)."""

    channel_id = SelectField("Channel", coerce=int, validators=[InputRequired("Pick a channel.")])
    version = HiddenField()


class MoveForm(Form):
    date = DateField("Date", validators=[InputRequired("Enter a date (YYYY-MM-DD).")])
    time = TimeField("Time", validators=[InputRequired("Enter a time (HH:MM).")])
    version = IntegerField(validators=[InputRequired()])


class ActionForm(Form):
    """A button that changes state: a CSRF token and the version the person saw."""

    version = IntegerField(validators=[InputRequired()])


class SlackForm(Form):
    url = StringField(
        "Incoming webhook address",
        validators=[Optional(), Length(max=1000, message="At most 1,000 characters.")],
        description="From Slack (or Mattermost, Rocket.Chat, Discord's /slack endpoint): "
        "https://hooks.slack.com/services/… Leave empty to keep the stored one.",
    )


class CommentForm(Form):
    body = TextAreaField("Comment", validators=[DataRequired("Write a comment first.")])


SCOPES = (
    ("planned", "Everything planned (drafts, in review, approved, published)"),
    ("approved", "Approved and published only"),
)


class SubscriptionForm(Form):
    label = StringField(
        "Label",
        validators=[DataRequired("Give the subscription a label."), Length(max=120)],
        description="Who or what it is for, such as “Social team” or “Ana’s phone”.",
    )
    channels = SelectMultipleField(
        "Channels",
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    scope = RadioField("Show", choices=choices(SCOPES), default="planned")


class TokenForm(Form):
    label = StringField(
        "Label",
        validators=[DataRequired("Give the token a label."), Length(max=120)],
        description="What uses it, such as “Agency planning script”.",
    )
