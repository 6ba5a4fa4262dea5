"""Listings: the approval workflow of products, revisions of live products, pause and
resume, and the denormalised visibility buyers see.

The package's modules: ``visibility`` (what buyers may see, from documents and state),
``content`` (creating and editing products, revisions, photos), ``variants`` (options,
and each variant's stock, price and photo), ``workflow`` (submit, the
mentor's decisions, pause and resume), ``reading`` (queues and history).

Rules kept here:
- transitions are the explicit table ``TRANSITIONS``; anything else is a Conflict (409)
  and changes nothing;
- each transition writes a ListingReview row and an audit entry, and commits once;
- nobody decides on a product of their own store; a mentor decides only for the stores
  assigned to them (admins for every store);
- a product cannot be approved while its store is unverified or lacks a valid required
  document; ``refresh_visibility`` recomputes ``listed``/``listed_until``/``halal_until``
  whenever the product, its store or a document changes, so a live product disappears
  by itself when a required document expires and comes back when a renewed one is valid.
"""
from app.services.listings.content import (  # noqa: F401
    CONTENT_FIELDS,
    _apply_content,
    _changed_fields,
    _check_editable,
    _clean_content,
    _clean_money,
    _ensure_revision,
    _forget_unused_images,
    _image_dicts,
    _save_working_images,
    _sync_image_rows,
    _unique_slug,
    _whole_number,
    _working_images,
    add_image,
    content_of,
    create_product,
    discard_revision,
    get_product_for_member,
    get_product_for_reviewer,
    move_image,
    open_revision,
    remove_image,
    set_cover,
    set_options,
    update_product,
    working_content,
)
from app.services.listings.reading import (  # noqa: F401
    DECISIONS,
    changes_since,
    latest_decision,
    review_queue,
)
from app.services.listings.visibility import (  # noqa: F401
    FAR_FUTURE,
    document_plan,
    halal_until,
    missing_requirements,
    refresh_product_visibility,
    refresh_visibility,
    requirement_names,
)
from app.services.listings.variants import (  # noqa: F401
    apply_options,
    clean_options,
    combinations,
    new_variants,
    open_order_counts,
    options_of,
    picker,
    retire_variant,
    update_variants,
)
from app.services.listings.workflow import (  # noqa: F401
    TRANSITIONS,
    _check_transition,
    _notify_members,
    _notify_mentor,
    _set_paused,
    approval_blockers,
    decide_listing,
    pause_listing,
    resume_listing,
    submit_listing,
    under_review,
)
