"""The letters the portal starts with (LA admins change them; each save is a new version):
the LA's six and the school's four stage letters (DOMAIN.md: a trust's stages 1–4)."""
from __future__ import annotations

_OPEN = "Dear {{ parent.name }},\n\n"
_RECORD = ("Between {{ record.start }} and {{ record.end }}, {{ pupil.first_name }}'s attendance was "
           "{{ record.attendance }}, with {{ record.unauthorised_sessions }} unauthorised absences (sessions), "
           "out of {{ record.possible_sessions }} possible sessions.\n\n")
_SUPPORT = ("{% if support %}The support offered so far:\n"
            "{% for item in support %}- {{ item.date }}: {{ item.text }}\n{% endfor %}\n\n{% endif %}")
_LA_CLOSE = "Yours sincerely,\n\n{{ lead_officer.name }}\nEducation Welfare Service, on behalf of the local authority"
_SCHOOL_CLOSE = "Yours sincerely,\n\n{{ sender.name }}\n{{ school.name }}"

# (key, name, audience, penalty_detail, subject, body)
DEFAULT_TEMPLATES: tuple[tuple[str, str, str, bool, str, str], ...] = (
    ("early_concern", "Early concern letter", "la", False,
     "Our concern about {{ pupil.name }}'s attendance",
     _OPEN + "We are writing because we are concerned about the school attendance of {{ pupil.name }} "
     "({{ pupil.year_group }}, {{ school.name }}).\n\n" + _RECORD
     + "Regular attendance matters for {{ pupil.first_name }}'s learning and wellbeing. If something is making it "
       "hard for {{ pupil.first_name }} to attend, please tell us, so that we can help.\n\n" + _LA_CLOSE),
    ("attendance_meeting", "Invitation to an attendance meeting", "la", False,
     "Invitation to a meeting about {{ pupil.name }}'s attendance",
     _OPEN + "We would like to meet you to talk about the attendance of {{ pupil.name }} at {{ school.name }} and "
     "about any help your family may need.\n\n" + _RECORD
     + "Please contact {{ lead_officer.name }} to agree a time. You may bring someone to support you.\n\n"
     + _LA_CLOSE),
    ("attendance_contract", "Attendance contract", "la", False,
     "Attendance contract for {{ pupil.name }}",
     _OPEN + "Thank you for meeting us about {{ pupil.name }}'s attendance at {{ school.name }}. This letter goes "
     "with the attendance contract we agreed: a voluntary written agreement setting out what you, the school and "
     "the local authority will each do, and when we will review it.\n\n" + _RECORD + _SUPPORT
     + "Please keep this letter with your copy of the contract.\n\n" + _LA_CLOSE),
    ("notice_to_improve", "Notice to improve", "la", False,
     "Notice to improve: {{ pupil.name }}'s attendance",
     _OPEN + "This is a notice to improve about the attendance of {{ pupil.name }} (born {{ pupil.date_of_birth }}) "
     "at {{ school.name }}, issued on {{ extra.nti.issued_on }}.\n\n"
     "From {{ extra.nti.qualifying_period }}, {{ pupil.first_name }} had {{ extra.nti.unauthorised_sessions }} "
     "unauthorised absences (sessions).\n\n" + _SUPPORT
     + "Sufficient improvement means: {{ extra.nti.improvement }}. The improvement period runs from "
       "{{ extra.nti.period_start }} to {{ extra.nti.period_end }}.\n\n"
       "If attendance does not improve enough in that period, the local authority may issue a penalty notice.\n\n"
     + _LA_CLOSE),
    ("penalty_notice", "Penalty notice", "la", True,
     "Penalty notice {{ extra.penalty.number }}",
     _OPEN + "Penalty notice {{ extra.penalty.number }}, issued on {{ extra.penalty.issued_on }} under section 444A "
     "of the Education Act 1996, for the unauthorised absence of {{ pupil.name }} from {{ school.name }}.\n\n"
     "Reason: {{ extra.penalty.reason }}.\n\n"
     "This notice was served by {{ extra.penalty.served_by }} and is treated as served on "
     "{{ extra.penalty.deemed_served_on }}.\n\n"
     "{% if extra.penalty.amount_first %}Pay {{ extra.penalty.amount_first }} by {{ extra.penalty.pay_first_by }}, "
     "or {{ extra.penalty.amount_full }} by {{ extra.penalty.pay_full_by }}.{% else %}This is a second notice "
     "within three years: pay {{ extra.penalty.amount_full }} by {{ extra.penalty.pay_full_by }}.{% endif %} "
     "If the penalty is not paid by then, the "
     "local authority will consider prosecution under section 444 of the Education Act 1996.\n\n" + _LA_CLOSE),
    ("prosecution_warning", "Warning of prosecution", "la", False,
     "Warning: possible prosecution about {{ pupil.name }}'s attendance",
     _OPEN + "We have written to you before about the attendance of {{ pupil.name }} at {{ school.name }}.\n\n"
     + _RECORD + _SUPPORT
     + "Attendance has not improved. The local authority is now considering prosecution under section 444 of the "
       "Education Act 1996. Please contact {{ lead_officer.name }} at once if there is anything we should "
       "know.\n\n" + _LA_CLOSE),
    ("school_stage_1", "School stage 1: first-day absence", "school", False,
     "{{ pupil.name }}'s absence",
     _OPEN + "{{ pupil.first_name }} was absent from school and we did not hear why. Please let us know the reason "
     "for any absence on its first day.\n\n" + _RECORD + _SCHOOL_CLOSE),
    ("school_stage_2", "School stage 2: tutor meeting", "school", False,
     "A meeting about {{ pupil.name }}'s attendance",
     _OPEN + "{{ pupil.first_name }}'s tutor would like to meet {{ pupil.first_name }} and you to talk about "
     "attendance and agree targets.\n\n" + _RECORD + _SCHOOL_CLOSE),
    ("school_stage_3", "School stage 3: year leader meeting", "school", False,
     "A meeting with {{ pupil.name }}'s year leader",
     _OPEN + "{{ pupil.first_name }}'s attendance has not improved enough. The year leader would like to meet you "
     "to review the targets and the support in place.\n\n" + _RECORD + _SCHOOL_CLOSE),
    ("school_stage_4", "School stage 4: senior leader meeting", "school", False,
     "A meeting with a senior leader about {{ pupil.name }}'s attendance",
     _OPEN + "We remain concerned about {{ pupil.first_name }}'s attendance. A senior leader would like to meet you. "
     "If attendance does not improve, the school may refer {{ pupil.first_name }} to the local authority's "
     "Education Welfare Service.\n\n" + _RECORD + _SCHOOL_CLOSE),
)
