"""Extension instances (and the base class of the models); they are bound to the app in create_app()."""
from typing import TYPE_CHECKING

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy

from app.migrate_lazy import LazyMigrate
from app.orm import Base
from app.security import CSRFProtection

db = SQLAlchemy(model_class=Base)
if TYPE_CHECKING:
    # The models' base as the type checker sees it: ``db.Model`` is an attribute of an
    # instance, which mypy cannot take as a class. At run time it is ``db.Model`` itself.
    Model = Base
else:
    Model = db.Model
migrate = LazyMigrate()  # Flask-Migrate, imported when first used (app/migrate_lazy.py)
login_manager = LoginManager()
csrf = CSRFProtection()
babel = Babel()
limiter = Limiter(key_func=get_remote_address)
