from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from runagents_analyzer.analyses.models import UNFINISHED, Analysis


async def get(session: AsyncSession, analysis_id: str) -> Analysis | None:
    return await session.get(Analysis, analysis_id)


def add(session: AsyncSession, analysis: Analysis) -> None:
    session.add(analysis)


async def unfinished_ids(session: AsyncSession) -> Sequence[str]:
    query = select(Analysis.id).where(Analysis.status.in_(UNFINISHED)).order_by(Analysis.created_at)
    return (await session.scalars(query)).all()
